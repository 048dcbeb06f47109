"""Rendering of read results: JSON documents and human summaries.

``--json`` prints exactly one JSON document with a ``schema`` field; bytes
as upper-case hex; no markup. Human output uses rich on a terminal and plain
text otherwise. Neither contains keys; personal data is shown only in the
explicit read output the operator asked for.

Every string that came from a card, a dump, a certificate or a file is data:
human output passes it through :func:`cccd_chip.safe_text.visible` (controls,
ESC, bidi overrides, zero-width characters shown as ``\x1b`` / ``<U+202E>``) and
never lets rich interpret it (``Text`` objects, ``markup=False``, no emoji codes).
The verdict line ``Verification: ...`` is printed last, on its own line, styled by
the tool only.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any, Optional

from cccd_chip.document import Document
from cccd_chip.safe_text import json_escape_invisible, visible
from cccd_chip.verify.report import SCHEMA_VERIFY, verify_json  # noqa: F401 - one rendering, shared with cccd serve

SCHEMA_READ = "cccd-read/1"
SCHEMA_VERIFY_BATCH = "cccd-verify-batch/1"
SCHEMA_READERS = "cccd-readers/1"
SCHEMA_ERROR = "cccd-error/1"
SCHEMA_INSPECT = "cccd-inspect/1"


def holder_view(doc: Document) -> dict:
    """Holder and document data from DG1 (and DG13 when present)."""
    out: dict[str, Any] = {}
    dg1 = doc.get("DG1")
    if dg1:
        try:
            from cccd_chip.lds import dg1 as dg1mod

            v = dg1mod.parse(dg1)
            out["document"] = {
                "document_code": v.document_code,
                "issuing_state": v.issuing_state,
                "document_number": v.document_number,
                "date_of_expiry": v.date_of_expiry,
            }
            out["holder"] = {
                "name": " ".join(p for p in (v.primary_identifier, v.secondary_identifier) if p),
                "nationality": v.nationality,
                "date_of_birth": v.date_of_birth,
                "sex": v.sex,
            }
            if v.cccd_id:
                out["holder"]["id_number"] = v.cccd_id
            failed = list(v.failed_checks)
            out["mrz_check_digits"] = "ok" if not failed else {"failed": failed}
        except Exception as e:  # noqa: BLE001 - shown, never fatal for display
            out["dg1_error"] = str(e)
    dg13 = doc.get("DG13")
    if dg13:
        try:
            from cccd_chip.lds import inspect as insp

            fields = insp.describe("DG13", dg13).get("fields") or {}
            pd = fields.get("personal_data") if isinstance(fields, dict) else None
            out["dg13"] = _jsonable(pd if pd is not None else fields)
        except Exception as e:  # noqa: BLE001 - shown, never fatal for display
            out["dg13_error"] = f"{type(e).__name__}"
    return out


def _jsonable(obj: Any) -> Any:
    import dataclasses
    import datetime

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name != "raw"}
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj).hex().upper()
    if isinstance(obj, (datetime.date, datetime.datetime)):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "value") and hasattr(obj, "name") and obj.__class__.__module__ != "builtins":
        return getattr(obj, "value")
    return obj


def read_json(doc: Document, report=None, stats=None) -> dict:
    files = {
        name: {"length": len(data), "sha256": hashlib.sha256(data).hexdigest().upper()}
        for name, data in sorted(doc.files.items())
    }
    out: dict[str, Any] = {
        "schema": SCHEMA_READ,
        "tool": doc.tool,
        "access": doc.access.to_json() if doc.access else None,
        "files": files,
        "absent": dict(sorted(doc.absent.items())),
    }
    out.update(holder_view(doc))
    out["evidence"] = doc.evidence.to_json()
    out["verification"] = report.to_json() if report is not None else None
    if stats is not None:
        out["apdus"] = stats.apdus
    return out


def json_text(obj: Any, *, indent: Optional[int] = 1, separators=None) -> str:
    """``obj`` as JSON text that every stdout and every line-splitting reader can carry.

    Letters stay readable (UTF-8); control, format and separator characters and lone
    surrogates inside strings are ``\\uXXXX`` escapes (the same JSON value; see
    :func:`cccd_chip.safe_text.json_escape_invisible`). When stdout is not UTF-8,
    everything non-ASCII is escaped.
    """
    text = json_escape_invisible(json.dumps(obj, ensure_ascii=False, indent=indent, separators=separators))
    enc = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("_", "-")
    if enc not in ("utf-8", "utf8") and not text.isascii():
        text = json.dumps(obj, ensure_ascii=True, indent=indent, separators=separators)
    return text


def print_json(obj: dict) -> None:
    sys.stdout.write(json_text(obj) + "\n")


def _console(stderr: bool = False):
    from rich.console import Console

    # data is never markup, never emoji codes, never highlighted
    return Console(highlight=False, soft_wrap=True, markup=False, emoji=False, stderr=stderr)


def _summary_lines(doc: Document, stats=None) -> list[tuple[str, str]]:
    view = holder_view(doc)
    lines: list[tuple[str, str]] = []
    h = view.get("holder", {})
    d = view.get("document", {})
    for k, label in (("name", "Name"), ("id_number", "ID number"), ("date_of_birth", "Date of birth"),
                     ("sex", "Sex"), ("nationality", "Nationality")):
        if k in h:
            lines.append((label, str(h[k])))
    for k, label in (("document_code", "Document"), ("issuing_state", "Issuing state"),
                     ("document_number", "Document number"), ("date_of_expiry", "Date of expiry")):
        if k in d:
            lines.append((label, str(d[k])))
    dg13 = view.get("dg13")
    if isinstance(dg13, dict):
        for k, v in dg13.items():
            if v not in (None, "", [], {}):
                lines.append((f"DG13 {k.replace('_', ' ')}", str(v)))
    if doc.access:
        a = doc.access
        acc = a.protocol
        if a.protocol == "PACE":
            acc += f"-{a.mapping or '?'} {a.cipher or ''} ({a.password}, parameter {a.parameter_id})"
        else:
            acc += f" ({a.cipher})"
        if a.fallback:
            acc += f" — FALLBACK: {a.fallback_reason}"
        lines.append(("Access", acc))
    lines.append(("Files read", ", ".join(sorted(doc.files))))
    for name, why in sorted(doc.absent.items()):
        lines.append((f"Not read: {name}", why))
    if view.get("mrz_check_digits") not in (None, "ok"):
        lines.append(("MRZ check digits", f"FAILED {view['mrz_check_digits']}"))
    if stats is not None:
        ext = {True: ", extended length", False: ", short APDUs", None: ""}[getattr(stats, "extended", None)]
        lines.append(("APDUs", f"{stats.apdus} ({stats.seconds:.2f} s{ext})"))
    return lines


def human_read(doc: Document, report=None, stats=None, *, note: Optional[str] = None) -> None:
    lines = [(visible(k), visible(v)) for k, v in _summary_lines(doc, stats)]
    out = _console()
    if note:
        out.print(visible(note), markup=False)
    if out.is_terminal:
        from rich.table import Table
        from rich.text import Text

        t = Table(show_header=False, box=None, pad_edge=False)
        t.add_column(style="bold cyan", no_wrap=True)
        t.add_column()
        for k, v in lines:
            t.add_row(Text(k), Text(v))  # Text: never parsed as markup
        out.print(t)
    else:
        width = max(len(k) for k, _ in lines) if lines else 10
        for k, v in lines:
            out.print(f"{k:<{width}}  {v}", markup=False)
    if report is not None:
        human_report(report)


_VERDICT_STYLE = {"successful": "bold green", "failed": "bold red", "undetermined": "bold yellow",
                  "not_supported": "dim", "aborted": "bold magenta"}


def check_line(c) -> str:
    """One check as one line of plain text; every part that may hold data is escaped."""
    subj = f" {visible(short_subject(c.subject))}" if c.subject else ""
    detail = f" — {visible(c.detail)}" if c.detail else ""
    return f"{visible(c.check)}{subj} [{c.reason.value}]{detail}"


def human_report(report) -> None:
    """The checks, then the verdict line: last, on its own line, styled by the tool only."""
    out = _console()
    overall = report.overall.value
    if out.is_terminal:
        from rich.text import Text

        for c in report.checks:
            line = Text("  ") + Text(f"{c.verdict.value:<13}", style=_VERDICT_STYLE.get(c.verdict.value, ""))
            out.print(line + Text(" " + check_line(c)))
        out.print(Text("Verification: ") + Text(overall.upper(), style=_VERDICT_STYLE.get(overall, "")))
        return
    for c in report.checks:
        out.print(f"  {c.verdict.value:<13} {check_line(c)}", markup=False)
    out.print(f"Verification: {overall.upper()}", markup=False)


def short_subject(subject: str) -> str:
    """A certificate subject for one-line human output: ``DSC C=VN, O=.., CN=X`` -> ``DSC CN=X``.

    JSON output keeps the full subject.
    """
    kind, _, dn = subject.partition(" ")
    if kind in ("DSC", "CSCA") and "CN=" in dn:
        return f"{kind} CN={dn.rsplit('CN=', 1)[1]}"
    return subject
