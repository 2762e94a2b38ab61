"""Atom 1.0 (RFC 4287) documents, written with ElementTree so every text is escaped by the library.

Nothing here knows about projects: a feed is a title, some links and entries. User-written
text (notes, names) is only ever put in as element text, never as markup, so a note saying
`<script>` reaches a reader as those eight characters.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml"

ET.register_namespace("", ATOM_NS)

# Characters XML 1.0 cannot carry even escaped (C0 controls but tab, newline, carriage return; surrogates;
# U+FFFE/U+FFFF). A note may contain them (the API accepts any string); left in, they would make the whole
# feed unparsable, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


@dataclass(frozen=True)
class Link:
    href: str
    rel: str = "alternate"
    type: str | None = None
    hreflang: str | None = None


@dataclass(frozen=True)
class Category:
    term: str
    label: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    author: str
    summary: str
    links: list[Link] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    updated: datetime
    lang: str
    links: list[Link]
    entries: list[Entry]
    subtitle: str | None = None
    generator: str = "planmap"


def timestamp(value: datetime) -> str:
    """RFC 3339 with an explicit offset, as Atom requires (a naive time would be ambiguous), and with the
    audit row's microseconds: two changes saved in the same second must not share `updated`, or readers
    that order and deduplicate by it show one of them only."""
    if value.tzinfo is None:
        raise ValueError("Atom dates need a time zone")
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")


def _q(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def _text(parent: ET.Element, tag: str, value: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), attrs)
    element.text = xml_text(value)
    return element


def _link(parent: ET.Element, link: Link) -> None:
    attrs = {"rel": link.rel, "href": link.href}
    if link.type:
        attrs["type"] = link.type
    if link.hreflang:
        attrs["hreflang"] = link.hreflang
    ET.SubElement(parent, _q("link"), attrs)


def _entry(parent: ET.Element, entry: Entry) -> None:
    element = ET.SubElement(parent, _q("entry"))
    _text(element, "id", entry.id)
    _text(element, "title", entry.title, type="text")
    _text(element, "updated", timestamp(entry.updated))
    _text(element, "published", timestamp(entry.updated))
    author = ET.SubElement(element, _q("author"))
    _text(author, "name", entry.author)
    for link in entry.links:
        _link(element, link)
    for category in entry.categories:
        attrs = {"term": category.term}
        if category.label:
            attrs["label"] = xml_text(category.label)
        ET.SubElement(element, _q("category"), attrs)
    _text(element, "summary", entry.summary, type="text")


def render(feed: Feed) -> bytes:
    """The feed as a UTF-8 XML document, entries in the order given (callers pass newest first)."""
    root = ET.Element(_q("feed"), {XML_LANG: feed.lang})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title, type="text")
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle, type="text")
    _text(root, "updated", timestamp(feed.updated))
    _text(root, "generator", feed.generator)
    for link in feed.links:
        _link(root, link)
    for entry in feed.entries:
        _entry(root, entry)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
