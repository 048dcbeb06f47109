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

import datetime
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
    """Holder and document data of ``cccd read --json``: DG1 as the MRZ writes it, DG13 as the card holds it.

    The parsing is the library's (``Document.dg1()``, ``Document.dg13()``); this is only their JSON form.
    """
    from cccd_chip.errors import CccdError

    out: dict[str, Any] = {}
    v = None
    if doc.get("DG1"):
        try:
            v = doc.dg1()
        except CccdError as e:  # shown, never fatal for display
            out["dg1_error"] = str(e)
    if v is not None:
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
    if doc.get("DG13"):
        try:
            pd = doc.dg13()
        except CccdError:  # a malformed DG13 shows no fields (its error is the verification's to report)
            pd = None
        out["dg13"] = pd.to_json() if pd is not None else {}
    return out


def jsonable(obj: Any) -> Any:
    """A parsed value as JSON: dataclasses as objects (raw bytes left out), bytes as hex, dates ISO 8601."""
    import dataclasses
    import datetime

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name != "raw"}
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj).hex().upper()
    if isinstance(obj, (datetime.date, datetime.datetime)):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
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


class _PlainOut:
    """What the human output needs of a rich Console when it does not write to a terminal:
    each line as given, then a newline. Saves importing rich (~35 ms) in the one-dump
    ``cccd verify`` process whose output goes to a pipe or a file. The text printed here is
    already made visible (:func:`visible`), so rich would print it unchanged too."""

    is_terminal = False

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr

    def print(self, text: str, *, markup: bool = False) -> None:
        (sys.stderr if self._stderr else sys.stdout).write(f"{text}\n")


def _plain_stream(stderr: bool) -> bool:
    """True when rich would treat the stream as no terminal (its ``Console.is_terminal`` rules:
    TTY_COMPATIBLE, FORCE_COLOR, isatty) and nothing else (IPython, IDLE) is in the way."""
    import os

    if os.environ.get("TTY_COMPATIBLE", "") in ("0", "1") or os.environ.get("FORCE_COLOR") is not None:
        return os.environ.get("TTY_COMPATIBLE", "") == "0"
    if "IPython" in sys.modules or "idlelib" in sys.modules:
        return False
    stream = sys.stderr if stderr else sys.stdout
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):
        return False


def _console(stderr: bool = False):
    if _plain_stream(stderr):
        return _PlainOut(stderr)
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
            lines.append((label, mrz_date(str(h[k]), "birth") if k == "date_of_birth" else str(h[k])))
    for k, label in (("document_code", "Document"), ("issuing_state", "Issuing state"),
                     ("document_number", "Document number"), ("date_of_expiry", "Date of expiry")):
        if k in d:
            lines.append((label, mrz_date(str(d[k]), "expiry") if k == "date_of_expiry" else str(d[k])))
    dg13 = view.get("dg13")
    if isinstance(dg13, dict):
        for k, v in dg13.items():
            if v not in (None, "", [], {}):
                lines.append((f"DG13 {_label(k)}", str(v)))
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
    ta = getattr(doc.evidence, "ta", None)
    if isinstance(ta, dict):  # Terminal Authentication (docs/eac.md): proven to the chip, not re-provable
        word = {"successful": "accepted", "refused": "REFUSED", "not_attempted": "not attempted"}.get(
            str(ta.get("outcome")), str(ta.get("outcome")))
        lines.append(("Terminal auth.", f"TA v{ta.get('version', 1)} {word}: {ta.get('detail', '')}"
                      + (f" [{ta.get('reason')}]" if ta.get("reason") not in (None, "OK") else "")))
    lines.append(("Files read", ", ".join(sorted_files(doc.files))))
    for name, why in sorted(doc.absent.items(), key=lambda kv: file_sort_key(kv[0])):
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


# --- human views shared by `read` and `inspect` ----------------------------------------------

_FILE_ORDER = ("COM", "CardAccess", "CardSecurity", "ATR", "SOD")


def file_sort_key(name: str) -> tuple:
    """EF.COM, CardAccess, CardSecurity, SOD, then DG1, DG2, ... DG16 (not DG13 before DG2)."""
    if name in _FILE_ORDER:
        return (0, _FILE_ORDER.index(name), "")
    if name.startswith("DG") and name[2:].isdigit():
        return (1, int(name[2:]), "")
    return (2, 0, name)


def sorted_files(names) -> list[str]:
    return sorted(names, key=file_sort_key)


def mrz_date(yymmdd: str, kind: str, today: "Optional[datetime.date]" = None) -> str:
    """An MRZ date (YYMMDD) shown as ISO 8601; the century from the kind of date.

    Birth: the latest century that is not in the future. Expiry: 20YY (ICAO 9303-3
    §4.2.2.3 leaves the century to the reader). ``991231`` on a CCCD is "no expiry".
    Anything that is not a date is shown as it is.
    """
    from cccd_chip.holder import NO_EXPIRY_MRZ, mrz_date as as_date

    if kind == "expiry" and yymmdd == NO_EXPIRY_MRZ:
        return "no expiry (991231)"
    d = as_date(yymmdd, kind, today)
    return d.isoformat() if d is not None else yymmdd


def _label(key: str) -> str:
    if key.startswith("field_") and key[6:].isdigit():
        return f"unknown field {key[6:]}"
    return key.replace("_", " ")


def _scalar(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def tree_lines(obj: Any, indent: int = 2) -> list[str]:
    """A nested description as indented ``label  value`` lines (all data escaped)."""
    pad = " " * indent
    out: list[str] = []
    if isinstance(obj, dict):
        scalars = {k: v for k, v in obj.items() if not isinstance(v, (dict, list))}
        width = min(24, max((len(_label(k)) for k in scalars), default=0))
        for k, v in obj.items():
            if isinstance(v, dict):
                if not v:
                    continue
                out.append(f"{pad}{visible(_label(k))}:")
                out.extend(tree_lines(v, indent + 2))
            elif isinstance(v, list):
                if not v:
                    out.append(f"{pad}{visible(_label(k))}: none")
                elif all(not isinstance(x, (dict, list)) for x in v):
                    out.append(f"{pad}{visible(_label(k)):<{width}}  {visible(', '.join(_scalar(x) for x in v))}")
                else:
                    for i, item in enumerate(v, 1):
                        out.append(f"{pad}{visible(_label(k))} {i}:")
                        out.extend(tree_lines(item, indent + 2))
            else:
                out.append(f"{pad}{visible(_label(k)):<{width}}  {visible(_scalar(v))}")
    elif isinstance(obj, list):
        for item in obj:
            out.extend(tree_lines(item, indent))
    else:
        out.append(f"{pad}{visible(_scalar(obj))}")
    return out


def _check_digit_summary(checks: dict) -> str:
    bad = [f"{k} (found {c.get('found')}, expected {c.get('expected')})" for k, c in checks.items()
           if isinstance(c, dict) and not c.get("ok")]
    return f"all {len(checks)} correct" if not bad else "WRONG: " + "; ".join(bad)


def inspect_view(name: str, desc: dict, files: Optional[dict[str, bytes]] = None,
                 face_path: Optional[str] = None) -> list[str]:
    """One file of ``cccd inspect`` in human form: a header line, then its fields.

    MRZ dates in ISO form, check digits summarised, SOD hashes compared with the files
    present (when inspecting a dump), the face as its size and format (and where it was
    written with ``--face``).
    """
    head = f"== {visible(name)}"
    if isinstance(desc, dict) and desc.get("title"):
        head += f" — {visible(str(desc['title']))}"
    if isinstance(desc, dict) and "size" in desc:
        head += f" ({desc['size']} bytes, sha256 {str(desc.get('sha256', ''))[:16]}…)"
    lines = [head]
    if not isinstance(desc, dict):
        return lines + tree_lines(desc)
    if desc.get("error"):
        lines.append(f"  ERROR: {visible(str(desc['error']))}")
    fields = jsonable(desc.get("fields", {k: v for k, v in desc.items()
                                          if k not in ("file", "size", "sha256", "title", "error")}))
    if isinstance(fields, dict):
        fields = dict(fields)
        if name == "DG1" or ("mrz" in fields and "check_digits" in fields):
            for key, kind in (("date_of_birth", "birth"), ("date_of_expiry", "expiry")):
                if isinstance(fields.get(key), str):
                    fields[key] = mrz_date(fields[key], kind)
            if isinstance(fields.get("check_digits"), dict):
                fields["check_digits"] = _check_digit_summary(fields["check_digits"])
        hashes = fields.get("data_group_hashes")
        if isinstance(hashes, dict) and files is not None:
            fields["data_group_hashes"] = _hash_comparison(hashes, str(fields.get("hash_algorithm", "")), files)
        if face_path is not None and name == "DG2":
            fields["face_image_written_to"] = face_path
    lines.extend(tree_lines(fields))
    return lines


def _hash_comparison(hashes: dict, algorithm: str, files: dict[str, bytes]) -> dict:
    out = {}
    for dg, expected in hashes.items():
        data = files.get(dg)
        if data is None:
            out[dg] = f"{str(expected)[:16]}…  (not in this dump)"
            continue
        try:
            actual = hashlib.new(algorithm.replace("-", ""), data).hexdigest().upper()
        except (ValueError, TypeError):
            out[dg] = f"{str(expected)[:16]}…  (hash {algorithm} not available here)"
            continue
        same = actual == str(expected).upper()
        out[dg] = f"{str(expected)[:16]}…  {'= the file in this dump' if same else 'DIFFERS from the file in this dump'}"
    return out
