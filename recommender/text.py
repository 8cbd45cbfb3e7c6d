"""Plain text for terminals and logs: data can never recolour, move or forge a line.

Names, reasons and notes come from knowledge files and customer records. Printed
raw, an escape sequence in them could recolour or rewrite the screen, and a
newline could start a line that looks like the renderer's own. Every text
renderer passes each line it writes through :func:`clean_text`, so the only line
breaks in its output are the ones it joins with.
"""

from __future__ import annotations

import re
import unicodedata

# Terminal escape sequences, dropped whole so no stray parameters remain:
# CSI (colours, cursor moves), OSC (titles, hyperlinks) ended by BEL or ST,
# DCS/SOS/PM/APC strings ended by ST, other two-byte escapes; 7- and 8-bit forms.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -~]"
)
# Direction overrides reorder what a reader sees without showing themselves.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SPACE_LIKE = {"Cc", "Zl", "Zp"}  # controls (tab, CR, LF, ESC, C1 ...) and line/paragraph separators


def clean_text(value: object) -> str:
    """``value`` as one printable line: escapes dropped, controls and line breaks made spaces.

    A run of controls becomes one space; lone surrogates (which no terminal encoding
    can write) become U+FFFD.
    """
    text = str(value)
    if text.isprintable():  # the usual case; every character the loop below changes is unprintable
        return text
    text = _ESCAPE.sub("", text)
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category in _SPACE_LIKE:
            if not out or out[-1] != " ":
                out.append(" ")
        elif char in _BIDI:
            continue
        elif category == "Cs":
            out.append("\ufffd")
        else:
            out.append(char)
    return "".join(out)


def first_invisible(text: str) -> str | None:
    """The first character that has no place in a one-line name or id, or None.

    Controls and line separators (they forge or recolour lines), lone surrogates
    (no encoding can write them) and direction overrides (they reorder what a
    reader sees).
    """
    for char in text:
        if unicodedata.category(char) in _SPACE_LIKE or unicodedata.category(char) == "Cs" or char in _BIDI:
            return char
    return None


def text_lines(lines: list[str]) -> str:
    """Lines a renderer built, each cleaned, joined with the renderer's own line breaks."""
    return "\n".join(clean_text(line) for line in lines)
