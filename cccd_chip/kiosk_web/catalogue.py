"""The screen's texts: one catalogue (``static/messages.json``) for Vietnamese and English.

The page uses the ``ui`` and ``files`` sections; the server turns reason codes (verification
``Reason`` values and read-error reasons of :mod:`cccd_chip.errors`) into plain words with the
``reasons`` and ``subjects`` sections. A key missing in a language falls back to English, then
to the generic ``_default`` text, never to nothing.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

LANGUAGES = ("vi", "en")
FALLBACK = "en"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    """The whole catalogue as shipped in the package."""
    text = resources.files(__package__).joinpath("static/messages.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {k: v for k, v in data.items() if not k.startswith("_")}


def section(lang: str, name: str) -> dict[str, str]:
    """One section (``ui``, ``files``, ``subjects``, ``reasons``) with English filling the gaps."""
    cat = catalogue()
    merged = dict(cat[FALLBACK].get(name, {}))
    merged.update(cat.get(lang, {}).get(name, {}))
    return merged


def text(lang: str, name: str, key: str) -> str:
    sec = section(lang, name)
    return sec.get(key) or sec.get("_default") or key


def reason_words(lang: str, reason: str, subject: Optional[str] = None) -> str:
    """A reason code in plain words; ``subject`` (a file name such as ``DG2``) fills ``{subject}``."""
    reasons = section(lang, "reasons")
    subjects = section(lang, "subjects")
    template = reasons.get(reason) or reasons.get("_default") or reason
    what = subjects.get(subject or "", subjects.get("_default", "data"))
    return template.replace("{subject}", what)


def page_texts(lang: str) -> dict[str, Any]:
    """What the page needs: the ``ui`` and ``files`` sections of ``lang``."""
    return {"lang": lang, "ui": section(lang, "ui"), "files": section(lang, "files")}
