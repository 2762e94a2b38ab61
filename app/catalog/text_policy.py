"""What text a project may carry: any script, but no invisible controls that deceive or break things.

Accepted, and stored as typed (normalised to NFC, so that "é" typed as e + U+0301 and as U+00E9
are the same name and the same search): Chinese beyond the Basic Multilingual Plane (e.g. 𠀀,
CJK Extension B, needed for some place names), Arabic or Hebrew (right-to-left), combining
accents, emoji with joiners.

Refused, with a message naming the character:
- NUL and the other C0/C1 control characters (tab and line breaks excepted): PostgreSQL text
  cannot hold NUL, and the others have no business in a name and break CSV and KML exports;
- bidirectional *embedding, override and isolate* controls (U+202A–U+202E, U+2066–U+2069): they
  reorder what a reader sees, so "evil.exe" can be shown as "exe.live" ("Trojan Source");
  the plain marks U+200E/U+200F/U+061C stay allowed, as right-to-left text needs them;
- zero-width space, word joiner and byte order mark (U+200B, U+2060, U+FEFF), which make two
  names that look the same compare different;
- unpaired surrogates and the noncharacters U+FFFE/U+FFFF, which are not text at all (they
  cannot even be encoded as UTF-8 for the database).
"""

import unicodedata

_ALLOWED_CONTROLS = frozenset("\t\n\r")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE = frozenset("\u200b\u2060\ufeff")
_NONCHARACTERS = frozenset("\ufffe\uffff")


def text_problem(value: str) -> str | None:
    """Why `value` is refused, or None when it is acceptable."""
    for char in value:
        code = f"U+{ord(char):04X}"
        category = unicodedata.category(char)
        if char == "\x00":
            return "the NUL character (U+0000) is not allowed: PostgreSQL text cannot hold it"
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            return f"control character {code} is not allowed in text"
        if char in _BIDI_CONTROLS:
            return f"bidirectional control {code} is not allowed: it changes how the text is displayed"
        if char in _INVISIBLE:
            return f"invisible character {code} is not allowed"
        if category == "Cs" or char in _NONCHARACTERS:
            return f"{code} is not a character"
    return None


def clean_text(value: str) -> str:
    """The NFC form of `value`; ValueError (a validation error in pydantic) when it is refused."""
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return unicodedata.normalize("NFC", value)
