"""Text from a card, a dump, a certificate or a file, made safe to show on a terminal or in a log.

Such text is data, never instructions for the terminal: a DSC issuer name holding
``ESC [ 2 J`` (clear screen) or cursor-up sequences could otherwise paint a fake
``Verification: SUCCESSFUL`` over the real verdict; a right-to-left override
(U+202E) or a zero-width character could make one value look like another; a line
break could forge a line of a batch result or a log.

:func:`visible` escapes, visibly and reversibly enough for an operator to see what is
there:

- C0 controls (U+0000-U+001F, incl. TAB, LF, CR, ESC), DEL (U+007F) and C1 controls
  (U+0080-U+009F, incl. CSI U+009B) as ``\\xHH`` (``\\x1b``);
- format characters (Unicode category Cf: bidi embeddings/overrides/isolates U+202A-E,
  U+2066-9, LRM/RLM/ALM, zero-width space/joiners U+200B-D, word joiner U+2060,
  BOM U+FEFF, soft hyphen, tag characters ...), line and paragraph separators
  (U+2028/9), surrogates (a lone surrogate cannot be encoded) and private-use or
  unassigned code points as ``<U+XXXX>``.

Everything else (Vietnamese letters with their diacritics, CJK, emoji) is kept.
Rich markup is never interpreted in data: renderers build ``rich.text.Text`` objects
or print with ``markup=False``; :func:`visible` does not need to escape ``[``.
"""

from __future__ import annotations

import unicodedata

_ESCAPE_CATEGORIES = frozenset({"Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _escape_char(ch: str) -> str:
    o = ord(ch)
    if o < 0x20 or 0x7F <= o <= 0x9F:
        return f"\\x{o:02x}"
    if unicodedata.category(ch) in _ESCAPE_CATEGORIES:
        return f"<U+{o:04X}>"
    return ch


def _needs_escape(ch: str) -> bool:
    o = ord(ch)
    if o < 0x20 or 0x7F <= o <= 0x9F:
        return True
    if o < 0xA0:
        return False
    return unicodedata.category(ch) in _ESCAPE_CATEGORIES


def visible(value: object) -> str:
    """``str(value)`` with every control, format, separator and surrogate character escaped visibly."""
    s = value if isinstance(value, str) else str(value)
    if s.isascii() and s.isprintable():
        return s
    return "".join(_escape_char(ch) if _needs_escape(ch) else ch for ch in s)


def json_escape_invisible(json_text: str) -> str:
    """JSON text with every character :func:`visible` would escape written as ``\\uXXXX``.

    Outside strings JSON text is ASCII, so this changes only string contents and keeps
    the very same JSON value. It keeps JSON Lines one record per line for readers that
    also break lines at U+0085 / U+2028 / U+2029 (``str.splitlines``, JavaScript), keeps
    bidi and zero-width characters from reordering a terminal showing the JSON, and
    writes a lone surrogate as an escape instead of failing to encode it.
    """
    if json_text.isascii():
        return json_text
    out = []
    for ch in json_text:
        if ord(ch) >= 0x80 and _needs_escape(ch):
            o = ord(ch)
            if o > 0xFFFF:
                o -= 0x10000
                out.append(f"\\u{0xD800 + (o >> 10):04x}\\u{0xDC00 + (o & 0x3FF):04x}")
            else:
                out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)


def is_clean(value: str) -> bool:
    """True when :func:`visible` would not change ``value``."""
    return visible(value) == value


__all__ = ["visible", "is_clean", "json_escape_invisible"]
