"""Credentials from the command line, from a file (one per card) or typed by the operator (docs/cli.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import click

from cccd_chip.errors import UsageError
from cccd_chip.json_input import load_json
from cccd_chip.safe_files import read_regular_file


def make_credential(can: Optional[str], id12: Optional[str], mrz: Optional[str], doc: Optional[str],
                    dob: Optional[str], doe: Optional[str]) -> Any:
    """The credential of ``--can`` | ``--id`` [+ ``--dob``/``--doe``] | ``--mrz`` | ``--doc`` + dates."""
    from cccd_chip.reader import Credential

    given = [x for x in (can, id12, mrz, doc) if x]
    if len(given) != 1:
        raise UsageError("give exactly one of --can, --id, --mrz, --doc")
    if can:
        return Credential.from_can(can)
    if id12:
        return Credential.from_cccd_id(id12, dob, doe)
    if mrz:
        return Credential.from_mrz_text(mrz)
    if not (dob and doe):
        raise UsageError("--doc needs --dob and --doe")
    return Credential.from_mrz(doc or "", dob, doe)


MAX_CREDENTIAL_LINE = 4096
MAX_CREDENTIALS_FILE = 16 * 1024 * 1024


def parse_credential_line(line: str):
    """One credential from a line of a --credentials file.

    A JSON object with ``can`` | ``id`` [+ ``dob``, ``doe``] | ``mrz`` |
    ``doc`` + ``dob`` + ``doe``; or a bare 6-digit CAN or 12-digit CCCD ID.
    """
    from cccd_chip.reader import Credential

    text = line.strip()
    if text.startswith("{"):
        obj = load_json(text, what="credentials file: a line", max_size=MAX_CREDENTIAL_LINE, max_depth=2,
                        error=UsageError)
        if not isinstance(obj, dict):
            raise UsageError("credentials file: a line is not a JSON object")
        for key in ("can", "id", "mrz", "doc", "dob", "doe"):
            if obj.get(key) is not None and (type(obj[key]) not in (str, int) or len(str(obj[key])) > 200):
                raise UsageError(f"credentials file: '{key}' must be a short string")
        if obj.get("can"):
            return Credential.from_can(str(obj["can"]))
        if obj.get("id"):
            dob, doe = obj.get("dob"), obj.get("doe")
            return Credential.from_cccd_id(str(obj["id"]), None if dob is None else str(dob),
                                           None if doe is None else str(doe))
        if obj.get("mrz"):
            return Credential.from_mrz_text(str(obj["mrz"]))
        if obj.get("doc"):
            return Credential.from_mrz(str(obj["doc"]), str(obj.get("dob") or ""), str(obj.get("doe") or ""))
        raise UsageError("credentials file: a line has none of can, id, mrz, doc")
    if text.isdigit() and len(text) == 6:
        return Credential.from_can(text)
    if text.isdigit() and len(text) == 12:
        return Credential.from_cccd_id(text)
    raise UsageError("credentials file: a line is neither JSON, a 6-digit CAN nor a 12-digit ID")


class FileCredentials:
    """Credentials taken in order from a file, one per card (blank lines and # comments skipped)."""

    def __init__(self, path: str) -> None:
        p = Path(path)
        if not p.exists() and not p.is_symlink():
            raise UsageError(f"credentials file not found: {p.absolute()}")
        raw = read_regular_file(p, MAX_CREDENTIALS_FILE, error=UsageError, follow_symlinks=True,
                                what=f"the credentials file {p.absolute()}")
        try:
            lines = raw.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            raise UsageError(f"cannot read the credentials file {p.absolute()}: not UTF-8 text") from None
        self._lines = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        for number, ln in enumerate(lines, 1):  # fail at start, not at the n-th card
            if ln.strip() and not ln.lstrip().startswith("#"):
                try:
                    parse_credential_line(ln)
                except UsageError as e:  # where, and what is wrong; never the line's content
                    raise UsageError(f"{p}, line {number}: {e}".replace("credentials file: ", "")) from None

    def __call__(self, info):
        if not self._lines:
            return None
        return parse_credential_line(self._lines.pop(0))


def prompt_credential(info):
    """Ask the operator (hidden input) for the CAN or CCCD ID of the card on the reader."""
    text = click.prompt(f"card {info.sequence}: CAN (6 digits) or CCCD ID (12 digits)", hide_input=True, err=True)
    return parse_credential_line(text)
