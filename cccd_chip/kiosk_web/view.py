"""What the screen shows for a complete read: holder data, the face, the verdict in words.

Sources of each field (cccd-chip-facts §1, §3): for a Vietnamese CCCD the name with its
diacritics, the dates and the clerk's fields (place of origin, residence, date of issue) come
from DG13; every other document uses DG1 (ICAO 9303-4 §4.2.2 TD1/TD3 MRZ, name without
diacritics). The face is DG2's first image (ICAO 9303-10 §4.7.2): a JPEG is sent as it is,
a JPEG2000 one is converted to PNG here (Pillow), so every browser can show it.

The verdict is one of three large states: ``verified`` (overall ``successful``),
``not_verified`` (``failed``: evidence of tampering, forgery or a clone) and
``could_not_verify`` (``undetermined`` and anything else). Reasons are the checks that made it
so, in plain words from the catalogue. Nothing here is HTML: the page writes every value with
``textContent``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import logging
from typing import TYPE_CHECKING, Any, Optional

from ..errors import CccdError
from . import catalogue

if TYPE_CHECKING:
    from ..document import Document

log = logging.getLogger("cccd_chip.kiosk_web")

VERIFIED, NOT_VERIFIED, COULD_NOT_VERIFY = "verified", "not_verified", "could_not_verify"
MAX_FIELD_CHARS = 300  # a hostile DG13 cannot flood the screen
# reasons that only follow from another check's outcome (e.g. PA undetermined -> the CA key is not
# authenticated): shown only when nothing else explains the verdict
CONSEQUENCES = frozenset({"NOT_PERFORMED", "DATA_NOT_AUTHENTICATED", "KEY_NOT_AUTHENTICATED"})
_FILE_SUBJECTS = {"COM", "SOD", "CardAccess", "CardSecurity"} | {f"DG{i}" for i in range(1, 17)}


def verdict_state(overall: Optional[str]) -> str:
    """``successful`` -> verified, ``failed`` -> NOT verified, anything else -> could not verify."""
    if overall == "successful":
        return VERIFIED
    if overall == "failed":
        return NOT_VERIFIED
    return COULD_NOT_VERIFY


def reasons(verification: Optional[dict[str, Any]], lang: str) -> list[str]:
    """The checks behind the verdict in plain words (failed ones for NOT verified, else undetermined)."""
    if not verification:
        return [catalogue.reason_words(lang, "NOT_PERFORMED")]
    checks = [c for c in verification.get("checks") or () if isinstance(c, dict)]
    overall = verification.get("overall")
    wanted = ("failed",) if overall == "failed" else ("undetermined", "aborted")
    out: list[str] = []
    chosen = [c for c in checks if c.get("verdict") in wanted]
    if any(c.get("reason") not in CONSEQUENCES for c in chosen):
        chosen = [c for c in chosen if c.get("reason") not in CONSEQUENCES]
    for c in chosen:
        subject = c.get("subject")
        words = catalogue.reason_words(lang, str(c.get("reason")), subject if subject in _FILE_SUBJECTS else None)
        if words not in out:
            out.append(words)
    if not out and overall != "successful":
        out.append(catalogue.reason_words(lang, "_default"))
    return out


def error_words(reason: Optional[str], lang: str) -> str:
    """A read error (record reason) in plain words."""
    return catalogue.reason_words(lang, reason or "_default")


def _clip(value: Any) -> Optional[str]:
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    return s if len(s) <= MAX_FIELD_CHARS else s[: MAX_FIELD_CHARS - 1] + "…"


def _date(value: Any) -> Optional[str]:
    if isinstance(value, _dt.date):
        return value.strftime("%d/%m/%Y")
    return _clip(value)


def holder_fields(doc: "Document", lang: str) -> list[dict[str, Optional[str]]]:
    """Ordered (key, label, value) rows for the result (``Document.holder()``); absent values are left out."""
    ui = catalogue.section(lang, "ui")
    h = doc.holder()
    if h is None:
        return []
    for group in h.unreadable:
        log.info("%s not shown: malformed", group)
    sex = _clip(h.sex)
    expiry = _date(h.date_of_expiry) if h.date_of_expiry is not None else (ui["no_expiry"] if h.no_expiry else None)
    rows: dict[str, Optional[str]] = {
        "name": _clip(h.name), "id": _clip(h.id_number),
        "document_number": _clip(h.document_number) if not h.id_number else None,
        "dob": _date(h.date_of_birth), "sex": ui.get(f"sex_{sex}", sex) if sex else None,
        "nationality": _clip(h.nationality), "expiry": expiry, "origin": _clip(h.place_of_origin),
        "residence": _clip(h.place_of_residence), "issue": _date(h.date_of_issue),
    }
    order = ("name", "id", "document_number", "dob", "sex", "nationality", "expiry", "origin", "residence", "issue")
    return [{"key": k, "label": ui[f"field_{k}"], "value": rows[k]} for k in order if rows.get(k)]


def face(doc: "Document") -> Optional[dict[str, str]]:
    """The first face of DG2 as a data URL (``Document.face()``: JPEG as read; JPEG2000 converted to PNG)."""
    try:
        found = doc.face()
        if found is None:
            return None
        shown, mime = found.displayable()
    except CccdError as e:
        log.info("face not shown: %s", e.reason)
        return None
    except Exception as e:  # noqa: BLE001 - an image the decoder chokes on must not stop the screen
        log.info("face not shown (%s)", type(e).__name__)
        return None
    return {"src": f"data:{mime};base64,{base64.b64encode(shown).decode()}", "format": found.format,
            "shown_as": mime}


def result_view(doc: "Document", verification: Optional[dict[str, Any]], lang: str) -> dict[str, Any]:
    """Everything the result screen shows for one complete read."""
    overall = (verification or {}).get("overall")
    return {
        "verdict": verdict_state(overall),
        "overall": overall,
        "reasons": reasons(verification, lang),
        "fields": holder_fields(doc, lang),
        "face": face(doc),
    }
