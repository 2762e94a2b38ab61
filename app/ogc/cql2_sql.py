"""CQL2 (OGC 21-065r2, text and JSON) to a parameterised SQL condition, over a whitelist of queryables.

Parsing is the `cql2` library's (cql2-rs, which reads the final spec's BETWEEN, INTERVAL,
TIMESTAMP and BBOX correctly where pygeofilter did not: see scripts/dev/cql2_compare.py and the
README). Both encodings come out of it as CQL2 JSON, so one walk here turns either into SQL:
- a property becomes the fixed SQL expression of its queryable (app.ogc.queryables), and a
  property that is not a queryable is refused by name;
- every literal becomes a bind parameter, never text in the SQL;
- spatial operators are PostGIS functions, so the work stays in the database and uses its indexes;
- temporal operators compare [start, end] instants (a date is the start of that day in Lianzhou,
  UTC+8; an open interval end is ±infinity), following the Allen relations the spec names.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import cql2
import orjson
from shapely.errors import ShapelyError
from shapely.geometry import shape

from app.core import clock
from app.ogc.params import CRS84, bad_request, parse_instant
from app.ogc.queryables import Kind, Queryable
from app.queries.project_filter import SqlCondition

MAX_FILTER_CHARS = 20_000
FILTER_LANGS = ("cql2-text", "cql2-json")

_COMPARISON = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SPATIAL = {
    "s_intersects": "ST_Intersects", "s_equals": "ST_Equals", "s_disjoint": "ST_Disjoint", "s_touches": "ST_Touches",
    "s_within": "ST_Within", "s_overlaps": "ST_Overlaps", "s_crosses": "ST_Crosses", "s_contains": "ST_Contains",
}  # fmt: skip
# Allen's relations on [as, ae] and [bs, be], as CQL2 defines its temporal operators.
_TEMPORAL = {
    "t_after": "{as} > {be}",
    "t_before": "{ae} < {bs}",
    "t_contains": "{as} < {bs} AND {ae} > {be}",
    "t_disjoint": "NOT ({as} <= {be} AND {ae} >= {bs})",
    "t_during": "{as} > {bs} AND {ae} < {be}",
    "t_equals": "{as} = {bs} AND {ae} = {be}",
    "t_finishedby": "{as} < {bs} AND {ae} = {be}",
    "t_finishes": "{as} > {bs} AND {ae} = {be}",
    "t_intersects": "{as} <= {be} AND {ae} >= {bs}",
    "t_meets": "{ae} = {bs}",
    "t_metby": "{as} = {be}",
    "t_overlappedby": "{as} > {bs} AND {as} < {be} AND {ae} > {be}",
    "t_overlaps": "{as} < {bs} AND {ae} > {bs} AND {ae} < {be}",
    "t_startedby": "{as} = {bs} AND {ae} > {be}",
    "t_starts": "{as} = {bs} AND {ae} < {be}",
}
_NUMERIC: frozenset[str] = frozenset({"integer", "number"})
_TEMPORAL_KINDS: frozenset[str] = frozenset({"date", "timestamp"})


def parse_filter(raw: str, lang: str | None) -> dict[str, Any]:
    """The filter as CQL2 JSON, whichever encoding it came in; a parse error is a 400 saying where."""
    if len(raw) > MAX_FILTER_CHARS:
        raise bad_request(f"filter is longer than {MAX_FILTER_CHARS} characters")
    lang = lang or "cql2-text"
    if lang not in FILTER_LANGS:
        raise bad_request(f"filter-lang {lang!r} is not supported; use cql2-text or cql2-json")
    try:
        expr = cql2.parse_text(raw) if lang == "cql2-text" else cql2.parse_json(raw)
        expr.validate()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        raise bad_request(f"filter is not valid {lang}: {' '.join(str(exc).split())[:400]}") from None
    tree: dict[str, Any] = expr.to_json()
    return tree


def check_enum(queryable: Queryable, raw: str) -> None:
    """A value outside a queryable's declared values is refused: it could only ever match nothing, and the
    API document says it is not a valid value (schemathesis' "schema-violating request accepted")."""
    if queryable.enum and raw not in queryable.enum:
        raise bad_request(f"{queryable.name} must be one of {', '.join(queryable.enum)}; got {raw!r}")


def equals_tree(queryable: Queryable, raw: str) -> dict[str, Any]:
    """`name=value` from a URL as the CQL2 JSON `name = value`, the value read as the queryable's type."""
    check_enum(queryable, raw)
    value: Any = raw
    if queryable.kind in ("integer", "number"):
        try:
            value = int(raw) if queryable.kind == "integer" else float(raw)
        except ValueError:
            raise bad_request(f"{queryable.name} must be a number, got {raw!r}") from None
    elif queryable.kind == "date":
        value = {"date": raw}
    elif queryable.kind == "timestamp":
        value = {"timestamp": raw}
    elif queryable.kind == "boolean":
        value = raw.lower() == "true"
    return {"op": "=", "args": [{"property": queryable.name}, value]}


def translate(tree: Any, queryables: dict[str, Queryable], collection: str, filter_crs: str | None) -> SqlCondition:
    """The CQL2 JSON `tree` as a SQL condition on the collection's alias, with its bind parameters."""
    if filter_crs not in (None, CRS84):
        raise bad_request(f"filter-crs {filter_crs!r} is not supported; use {CRS84}")
    walker = _Walker(queryables, collection)
    try:
        sql = walker.predicate(tree)
    except (IndexError, KeyError, TypeError):
        raise bad_request("filter: an operator is missing an argument") from None
    return SqlCondition(sql, walker.params)


@dataclass
class _Operand:
    sql: str
    kind: Kind | str
    name: str  # how a refusal names it: the property, or the literal as written


@dataclass
class _Walker:
    queryables: dict[str, Queryable]
    collection: str
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"cql_{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    # --- predicates -------------------------------------------------------------------------
    def predicate(self, node: Any) -> str:
        if isinstance(node, bool):
            return "TRUE" if node else "FALSE"
        if not isinstance(node, dict) or "op" not in node:
            raise bad_request(f"filter: expected a condition, got {_show(node)}")
        op, args = str(node["op"]).lower(), node.get("args", [])
        if op in ("and", "or"):
            return "(" + f" {op.upper()} ".join(self.predicate(a) for a in args) + ")"
        if op == "not":
            return f"(NOT {self.predicate(args[0])})"
        if op in _COMPARISON:
            left, right = self.comparable(args[0], args[1])
            return f"({left.sql} {_COMPARISON[op]} {right.sql})"
        if op == "like":
            value, pattern = self.operand(args[0]), self.operand(args[1])
            for side in (value, pattern):
                if side.kind != "string":
                    raise bad_request(f"filter: LIKE compares text, and {side.name} is not text")
            return f"({value.sql} LIKE {pattern.sql})"
        if op == "between":
            value = _as_instant(self.operand(args[0]))
            low, high = (self.typed(value, a).sql for a in args[1:3])
            return f"({value.sql} BETWEEN {low} AND {high})"
        if op == "in":
            value = _as_instant(self.operand(args[0]))
            items = args[1] if isinstance(args[1], list) else [args[1]]
            if not items:
                return "FALSE"
            return f"({value.sql} IN ({', '.join(self.typed(value, a).sql for a in items)}))"
        if op == "isnull":
            return f"({self.operand(args[0]).sql} IS NULL)"
        if op in _SPATIAL:
            geometry_a, geometry_b = (self.geometry(a) for a in args[:2])
            return f"{_SPATIAL[op]}({geometry_a}, {geometry_b})"
        if op in _TEMPORAL:
            (a_start, a_end), (b_start, b_end) = (self.period(a) for a in args[:2])
            return "(" + _TEMPORAL[op].format(**{"as": a_start, "ae": a_end, "bs": b_start, "be": b_end}) + ")"
        raise bad_request(f"filter: the operator {node['op']!r} is not supported")

    # --- operands ---------------------------------------------------------------------------
    def queryable(self, name: str) -> Queryable:
        found = self.queryables.get(name)
        if found is None:
            known = ", ".join(self.queryables)
            raise bad_request(
                f"filter names unknown property {name!r}; the queryables of '{self.collection}' are {known}"
            )
        return found

    def operand(self, node: Any) -> _Operand:
        if isinstance(node, dict) and "property" in node:
            q = self.queryable(str(node["property"]))
            return _Operand(q.sql, q.kind, repr(q.name))
        if isinstance(node, dict) and str(node.get("op", "")).lower() == "casei":
            inner = self.operand(node["args"][0])
            if inner.kind != "string":
                raise bad_request(f"filter: CASEI applies to text, and {inner.name} is not text")
            return _Operand(f"lower({inner.sql})", "string", inner.name)
        if isinstance(node, bool):
            return _Operand(self.bind(node), "boolean", _show(node))
        if isinstance(node, int | float):
            number = int(node) if isinstance(node, float) and node.is_integer() else node
            return _Operand(self.bind(number), "number", _show(node))
        if isinstance(node, str):
            return _Operand(self.bind(node), "string", _show(node))
        if isinstance(node, dict) and "date" in node:
            return _Operand(self.bind(_local_midnight(_date(node["date"]))), "timestamp", _show(node["date"]))
        if isinstance(node, dict) and "timestamp" in node:
            return _Operand(self.bind(parse_instant(str(node["timestamp"]))), "timestamp", _show(node["timestamp"]))
        if isinstance(node, dict) and "op" in node:
            raise bad_request(f"filter: the function or operator {node['op']!r} is not supported here")
        raise bad_request(f"filter: {_show(node)} cannot be compared")

    def typed(self, like: _Operand, node: Any) -> _Operand:
        """`node` as a value comparable with `like` (a text literal read as a date for a date property)."""
        other = self.operand(node)
        if like.kind in _TEMPORAL_KINDS and other.kind == "string" and isinstance(node, str):
            other = _Operand(self.bind(_instant_or_date(node)), "timestamp", other.name)
        _check_comparable(like, other)
        return other

    def comparable(self, left_node: Any, right_node: Any) -> tuple[_Operand, _Operand]:
        left = self.operand(left_node)
        right = self.typed(left, right_node)
        if left.kind == "string" and right.kind in _TEMPORAL_KINDS and isinstance(left_node, str):
            left = _Operand(self.bind(_instant_or_date(left_node)), "timestamp", left.name)
        return _as_instant(left), _as_instant(right)

    def geometry(self, node: Any) -> str:
        if isinstance(node, dict) and "property" in node:
            q = self.queryable(str(node["property"]))
            if q.kind != "geometry":
                raise bad_request(f"filter: {q.name!r} is not a geometry; spatial operators need one")
            return q.sql
        if isinstance(node, dict) and "bbox" in node:
            box = node["bbox"]
            if not isinstance(box, list) or len(box) not in (4, 6) or not all(isinstance(v, int | float) for v in box):
                raise bad_request(f"filter: BBOX needs 4 (or 6) numbers, got {_show(box)}")
            x0, y0, x1, y1 = (box[0], box[1], box[3], box[4]) if len(box) == 6 else box
            return f"ST_MakeEnvelope({self.bind(x0)}, {self.bind(y0)}, {self.bind(x1)}, {self.bind(y1)}, 4326)"
        if isinstance(node, dict) and "type" in node:
            try:
                geometry = shape(node)
            except (ShapelyError, ValueError, TypeError, KeyError, AttributeError, IndexError):
                raise bad_request(f"filter: {_show(node)} is not a valid geometry") from None
            if geometry.is_empty:
                raise bad_request("filter: an empty geometry matches nothing; give a real one")
            return f"ST_SetSRID(ST_GeomFromGeoJSON({self.bind(orjson.dumps(node).decode())}), 4326)"
        raise bad_request(f"filter: {_show(node)} is not a geometry")

    def period(self, node: Any) -> tuple[str, str]:
        """[start, end] of a temporal operand, as timestamptz SQL."""
        if isinstance(node, dict) and "interval" in node:
            bounds = node["interval"]
            if not isinstance(bounds, list) or len(bounds) != 2:
                raise bad_request(f"filter: INTERVAL needs a start and an end, got {_show(bounds)}")
            start, end = (self._bound(b, i == 0) for i, b in enumerate(bounds))
            return start, end
        single = _as_instant(self.operand(node))
        if single.kind not in _TEMPORAL_KINDS:
            raise bad_request(f"filter: {single.name} is not a date or a time; temporal operators need one")
        return single.sql, single.sql

    def _bound(self, node: Any, is_start: bool) -> str:
        if node == "..":
            return "'-infinity'::timestamptz" if is_start else "'infinity'::timestamptz"
        if isinstance(node, str):
            return self.bind(_instant_or_date(node))
        instant = _as_instant(self.operand(node))
        if instant.kind not in _TEMPORAL_KINDS:
            raise bad_request(f"filter: {instant.name} cannot bound an interval")
        return instant.sql


def _as_instant(operand: _Operand) -> _Operand:
    """A date property as the start of that day in Lianzhou, so dates and times compare."""
    if operand.kind == "date":
        return _Operand(f"(({operand.sql})::timestamp AT TIME ZONE INTERVAL '+08:00')", "timestamp", operand.name)
    return operand


def _check_comparable(left: _Operand, right: _Operand) -> None:
    kinds = {left.kind, right.kind}
    if len(kinds) == 1 or kinds <= _NUMERIC or kinds <= _TEMPORAL_KINDS:
        return
    raise bad_request(f"filter compares {left.name} ({left.kind}) with {right.name} ({right.kind})")


def _date(raw: Any) -> date:
    try:
        return date.fromisoformat(str(raw)) if len(str(raw)) == 10 else _no_date(raw)
    except ValueError:
        return _no_date(raw)


def _no_date(raw: Any) -> date:
    raise bad_request(f"filter: {_show(raw)} is not a date (YYYY-MM-DD)")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), clock.LIANZHOU_TZ).astimezone(UTC)


def _instant_or_date(raw: str) -> datetime:
    return _local_midnight(_date(raw)) if len(raw) == 10 else parse_instant(raw)


def _show(value: Any) -> str:
    text = orjson.dumps(value).decode() if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
