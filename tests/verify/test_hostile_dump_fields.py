"""A dump is untrusted input: odd JSON types in its evidence / access / read_at end as the
project's DumpFormatError or a Report, never as an escaping AttributeError / ValueError."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from cccd_chip.document import Document
from cccd_chip.errors import CccdError
from cccd_chip.verify.document_check import verify_document
from cccd_chip.verify.passive import Policy
from cccd_chip.verify.report import Verdict
from host_cli import render

from .conftest import INSIDE, POLICY
from cccd_chip.document import AccessInfo

from .test_document_check import _card_security, _cam_evidence, _document, chip  # noqa: F401 (fixture)
from host_cli.exit_codes import exit_code_for


HOSTILE = [
    ("evidence", "ca", [1, 2]),
    ("evidence", "ca", "successful"),
    ("evidence", "ca", 7),
    ("evidence", "pace_cam", [1]),
    ("evidence", "pace_cam", "x"),
    ("cam", "key_id", "zz"),
    ("cam", "key_id", [1]),
    ("cam", "key_id", 1.5),
    ("cam", "parameter_id", "1"),
    ("cam", "parameter_id", [1]),
    ("cam", "oid", [1]),
    ("top", "read_at", 12345),
    ("top", "read_at", ["2027"]),
    ("top", "evidence", [1]),
    ("top", "access", [1]),
    ("access", "protocol", None),
    ("access", "protocol", ["PACE"]),
    ("access", "mapping", 5),
    ("access", "parameter_id", "13"),
    ("access", "parameter_id", 10**400),
    ("access", "fallback", "yes"),
    ("access", "password_digest", 1),
    ("access", "password_digest", "\u00e9" * 64),
]


@pytest.mark.parametrize("where,key,value", HOSTILE)
@pytest.mark.parametrize("time_reference", ["read_time", "now"])
def test_hostile_manifest_field(pki, chip, where, key, value, time_reference):
    cam = _cam_evidence(chip)
    doc = _document(pki, chip, access=AccessInfo("PACE", "CAN", mapping="CAM"),
                    card_security_raw=_card_security(pki, chip))
    m = doc.manifest(inline=True)
    m["evidence"]["pace_cam"] = cam
    if where == "cam":
        cam[key] = value
        if key == "key_id":
            cam["parameter_id"] = None
    elif where in ("evidence", "access"):
        m[where][key] = value
    else:
        m[key] = value
    raw = json.dumps(m).encode()
    policy = Policy(at=INSIDE, time_reference=time_reference)
    try:
        doc = Document.from_json_bytes(raw)
        rep = verify_document(doc, pki.store, policy=policy)
        render.read_json(doc, rep, None)
        with contextlib.redirect_stdout(io.StringIO()):
            render.human_read(doc, rep, None)
    except CccdError as e:
        assert exit_code_for(e) == 6
        return
    if where == "cam":
        if key != "oid":  # the OID is informational; the key ids are used
            assert [c.verdict for c in rep.checks if c.check == "pace.cam"] == [Verdict.FAILED]
    else:
        assert rep.overall is not Verdict.SUCCESSFUL or key == "read_at"


def test_baseline_cam_dump_round_trips_successful(pki, chip):
    """The control: the same dump without a hostile field verifies pace.cam successful."""
    doc = _document(pki, chip, access=AccessInfo("PACE", "CAN", mapping="CAM"),
                    card_security_raw=_card_security(pki, chip))
    m = doc.manifest(inline=True)
    m["evidence"]["pace_cam"] = _cam_evidence(chip)
    rep = verify_document(Document.from_json_bytes(json.dumps(m).encode()), pki.store, policy=POLICY)
    assert [c.verdict for c in rep.checks if c.check == "pace.cam"] == [Verdict.SUCCESSFUL]
