"""Terminal control characters in content: which are forbidden, their names, and the one function that defuses them.

The loader refuses packs that contain them; `clean` is the second line of defence that every renderer (Rich views,
plain text, Anki fields, prompts, error lines) passes content through, so that no field can reach the terminal raw.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from pathlib import PurePath
from typing import Any, ParamSpec, TypeVar, cast

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Unicode's name aliases for the controls (unicodedata.name() has none for them); tests check each with lookup().
_CONTROL_NAMES = [
    "NULL",
    "START OF HEADING",
    "START OF TEXT",
    "END OF TEXT",
    "END OF TRANSMISSION",
    "ENQUIRY",
    "ACKNOWLEDGE",
    "ALERT",
    "BACKSPACE",
    "CHARACTER TABULATION",
    "LINE FEED",
    "LINE TABULATION",
    "FORM FEED",
    "CARRIAGE RETURN",
    "SHIFT OUT",
    "SHIFT IN",
    "DATA LINK ESCAPE",
    "DEVICE CONTROL ONE",
    "DEVICE CONTROL TWO",
    "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR",
    "NEGATIVE ACKNOWLEDGE",
    "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK",
    "CANCEL",
    "END OF MEDIUM",
    "SUBSTITUTE",
    "ESCAPE",
    "INFORMATION SEPARATOR FOUR",
    "INFORMATION SEPARATOR THREE",
    "INFORMATION SEPARATOR TWO",
    "INFORMATION SEPARATOR ONE",
]
_C1_NAMES = [
    "PADDING CHARACTER",
    "HIGH OCTET PRESET",
    "BREAK PERMITTED HERE",
    "NO BREAK HERE",
    "INDEX",
    "NEXT LINE",
    "START OF SELECTED AREA",
    "END OF SELECTED AREA",
    "CHARACTER TABULATION SET",
    "CHARACTER TABULATION WITH JUSTIFICATION",
    "LINE TABULATION SET",
    "PARTIAL LINE FORWARD",
    "PARTIAL LINE BACKWARD",
    "REVERSE LINE FEED",
    "SINGLE SHIFT TWO",
    "SINGLE SHIFT THREE",
    "DEVICE CONTROL STRING",
    "PRIVATE USE ONE",
    "PRIVATE USE TWO",
    "SET TRANSMIT STATE",
    "CANCEL CHARACTER",
    "MESSAGE WAITING",
    "START OF GUARDED AREA",
    "END OF GUARDED AREA",
    "START OF STRING",
    "SINGLE GRAPHIC CHARACTER INTRODUCER",
    "SINGLE CHARACTER INTRODUCER",
    "CONTROL SEQUENCE INTRODUCER",
    "STRING TERMINATOR",
    "OPERATING SYSTEM COMMAND",
    "PRIVACY MESSAGE",
    "APPLICATION PROGRAM COMMAND",
]

# C0 controls and DEL become their visible Control Pictures (ESC → ␛); C1 and bidi controls become U+FFFD.
_STAND_INS = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421}
_STAND_INS |= {code: 0xFFFD for code in (*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
del _STAND_INS[0x09], _STAND_INS[0x0A]


@functools.cache
def forbidden_in_file() -> re.Pattern[str]:
    """FORBIDDEN less carriage return, for a file's raw text, where CR is a line break (CRLF) that YAML normalises.

    Compiled on first use: only parsing needs it, and a class beyond Latin-1 takes a while to compile.
    """
    return re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


_ASCII_ALLOWED_IN_FILE = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def may_hold_forbidden(text: str) -> bool:
    """False when `text` surely has no character that `forbidden_in_file` matches.

    Most files are ASCII: deleting every allowed byte in C leaves nothing, at a sixth of the regex's cost.
    """
    return not text.isascii() or bool(text.encode("ascii").translate(None, _ASCII_ALLOWED_IN_FILE))


def char_name(char: str) -> str:
    """`U+001B ESCAPE`: the code point and its name, for messages about a character nobody can see."""
    code = ord(char)
    if code < 0x20:
        name = _CONTROL_NAMES[code]
    elif code == 0x7F:
        name = "DELETE"
    elif 0x80 <= code < 0xA0:
        name = _C1_NAMES[code - 0x80]
    else:
        import unicodedata

        name = unicodedata.name(char, "")
    return f"U+{code:04X} {name}".rstrip()


def clean(text: str) -> str:
    """`text` with every forbidden control character replaced by a harmless visible stand-in; tab and newline stay."""
    # The usual case, no copy: every forbidden character is unprintable, and isprintable() reads a string several
    # times faster than the regex (text with a tab or a line break takes the regex too).
    if text.isprintable() or FORBIDDEN.search(text) is None:
        return text
    return text.translate(_STAND_INS)


T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")


def cleaned(value: T) -> T:
    """`value` with `clean` applied to every text inside it: strings, paths, tuples, lists, dicts and dataclasses.

    Objects with nothing to clean come back as they are, so the usual case allocates nothing.
    """
    if isinstance(value, str):
        return cast("T", clean(value))  # the same object when there is nothing to clean
    if isinstance(value, PurePath):
        text = str(value)
        fixed = clean(text)
        return value if fixed is text else cast("T", type(value)(fixed))
    if isinstance(value, tuple | list):
        items = [cleaned(v) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        if isinstance(value, list):
            return cast("T", items)
        return cast("T", type(value)(*items) if hasattr(value, "_fields") else tuple(items))
    if isinstance(value, dict):
        pairs = [(cleaned(k), cleaned(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True)):
            return value
        return cast("T", dict(pairs))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.init:
                old = getattr(value, f.name)
                new = cleaned(old)
                if new is not old:
                    changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def sanitized(view: Callable[P, R]) -> Callable[P, R]:
    """Decorate a view (or prompt) so every argument it is given passes through `cleaned` first.

    Views receive whole model objects; cleaning the arguments covers every field they show, including fields added
    later, without each view having to remember it.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        return view(*cleaned(args), **{k: cleaned(v) for k, v in kwargs.items()})

    wrapper.__sanitized__ = True  # type: ignore[attr-defined]
    return cast("Callable[P, R]", wrapper)
