"""The typed seams of issue 12: Transport, Channel, drivers with frozen results, typed evidence.

- every transport declares :class:`cccd_chip.transport.base.Transport`, and
  ``read_document`` / ``CardChannel`` take one;
- every protocol driver (BAC, PACE, CA, AA) takes a :class:`cccd_chip.channel.Channel`
  and returns a frozen dataclass; no driver starts or stops secure messaging: the
  reader installs every session, in one place;
- ``Evidence`` holds frozen dataclasses, and a dump written by the reader loads and
  saves back byte for byte (cccd-dump v1 unchanged);
- ``py.typed`` is in the package and its package data.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import typing
from pathlib import Path

import pytest

from cccd_chip.access.active_auth import ActiveAuthResult, perform_active_authentication
from cccd_chip.access.bac import BacResult, perform_bac
from cccd_chip.access.chip_auth import ChipAuthConfirmation, ChipAuthResult, confirm_session, perform_chip_authentication
from cccd_chip.access.pace import PaceResult, perform_pace
from cccd_chip.access.ta import TaResult, perform_ta
from cccd_chip.channel import CardChannel, Channel
from cccd_chip.document import Document
from cccd_chip.errors import DumpFormatError
from cccd_chip.evidence import (ChipAuthEvidence, Evidence, PaceCamEvidence, RecordedCheck, UnreadableEvidence)
from cccd_chip.reader import Credential, read_document
from cccd_chip.transport.base import Transport

ROOT = Path(__file__).resolve().parents[2]


def _transport_classes() -> list[type]:
    from cccd_chip.emulator import vpcd
    from cccd_chip.kiosk_web.sources import VirtualConnection
    from cccd_chip.transport.local import LocalTransport
    from cccd_chip.transport.pcsc import PcscTransport
    from cccd_chip.transport.trace import TraceRecorder, TraceReplayer

    return [LocalTransport, PcscTransport, TraceRecorder, TraceReplayer, vpcd._DemoTransport, VirtualConnection]


@pytest.mark.parametrize("cls", _transport_classes(), ids=lambda c: c.__name__)
def test_every_transport_declares_the_protocol(cls):
    assert Transport in cls.__mro__
    assert callable(getattr(cls, "transmit", None))


def test_reader_and_channel_take_a_transport():
    assert typing.get_type_hints(read_document)["transport"] is Transport
    assert typing.get_type_hints(CardChannel.__init__)["transport"] is Transport


DRIVERS = [(perform_bac, BacResult), (perform_pace, PaceResult), (perform_chip_authentication, ChipAuthResult),
           (confirm_session, ChipAuthConfirmation), (perform_active_authentication, ActiveAuthResult),
           (perform_ta, TaResult)]


@pytest.mark.parametrize("driver,result", DRIVERS, ids=lambda x: getattr(x, "__name__", ""))
def test_drivers_take_a_channel_and_return_a_frozen_result(driver, result):
    hints = typing.get_type_hints(driver)
    assert hints["channel"] is Channel
    assert hints["return"] is result
    assert dataclasses.is_dataclass(result) and result.__dataclass_params__.frozen


def _calls(path: Path, names: set[str]) -> list[tuple[str, int, str]]:
    """(function, line, method) of every call to a method named in ``names``."""
    out = []
    tree = ast.parse(path.read_text())
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names:
                    out.append((fn.name, node.lineno, node.func.attr))
    return out


def test_no_driver_starts_or_stops_secure_messaging():
    found = [(str(p.relative_to(ROOT)), c) for p in sorted((ROOT / "cccd_chip/access").rglob("*.py"))
             for c in _calls(p, {"start_sm", "stop_sm"})]
    assert found == []


def test_the_reader_installs_every_session_in_one_place():
    starts = _calls(ROOT / "cccd_chip/reader.py", {"start_sm"})
    assert [(fn, m) for fn, _, m in starts] == [("_install", "start_sm")]
    # ... and every driver's session goes through it
    src = (ROOT / "cccd_chip/reader.py").read_text()
    for session in ("perform_bac(ch, mrz.bac_seed(), ctx.rng).sm", "result.sm", "result.session"):
        assert f"_install(" in src and session in src


def test_evidence_fields_are_frozen_dataclasses():
    # the annotations as written in evidence.py (mypyc, which compiles the module, keeps no
    # annotations at run time: cccd_chip/_native.py); CamRecord is the alias of the union
    tree = ast.parse((ROOT / "cccd_chip" / "evidence.py").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Evidence")
    hints = {s.target.id: ast.unparse(s.annotation) for s in cls.body
             if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
    assert hints["ca"] == "Optional[ChipAuthEvidence]"
    assert hints["pace_cam"] == "Optional[CamRecord]"
    assert "CamRecord = Union[PaceCamEvidence, UnreadableEvidence]" in ast.unparse(tree)
    assert [f.name for f in dataclasses.fields(Evidence)] == ["aa_challenge", "aa_signature", "ca", "pace_cam", "ta"]
    for cls in (Evidence, ChipAuthEvidence, PaceCamEvidence, RecordedCheck, UnreadableEvidence):
        assert cls.__dataclass_params__.frozen, cls


def test_py_typed_is_shipped():
    import tomllib

    assert (ROOT / "cccd_chip" / "py.typed").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["cccd_chip"]


# --- the dump format stays byte-compatible ----------------------------------------------------


def _read(tmp_path: Path, profile: str, kind: str) -> Document:
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.emulator.personalize import personalize
    from cccd_chip.transport.local import LocalTransport

    card = personalize(profile, 7, tmp_path / profile)
    secrets = json.loads((card / "card.json").read_text())["secrets"]
    if kind == "mrz":
        cred = Credential.from_mrz(secrets["document_number"], secrets["date_of_birth"], secrets["date_of_expiry"])
    else:
        cred = Credential.from_can(secrets["can"])
    return read_document(LocalTransport(Applet(VirtualCard.load(card))), cred,
                         rng=lambda n: bytes((7 * i + 1) & 0xFF for i in range(n)), source="emulator")


@pytest.mark.parametrize("profile,kind", [("cccd-2021", "can"), ("cccd-2024", "can"), ("passport-bac", "mrz")])
def test_a_read_dump_loads_and_saves_back_byte_for_byte(tmp_path, profile, kind):
    doc = _read(tmp_path, profile, kind)
    if profile != "passport-bac":
        assert isinstance(doc.evidence.ca, ChipAuthEvidence) and doc.evidence.ca.verified is True
    if profile == "cccd-2024":
        assert isinstance(doc.evidence.pace_cam, PaceCamEvidence) and doc.evidence.pace_cam.check is not None
    first = tmp_path / "a.json"
    doc.save(first)
    again = Document.load(first)
    assert again.evidence == doc.evidence
    second = tmp_path / "b.json"
    again.save(second)
    assert second.read_bytes() == first.read_bytes()
    assert Evidence.from_dict(doc.evidence.to_dict()) == doc.evidence


@pytest.mark.parametrize("evidence", [
    {"ca": {}},  # CA not attempted
    {"ca": {"result": "successful"}},  # an older dump's outcome member
    {"ca": {"protocol": "CA", "verified": False, "reason": "CA_KEY_MISMATCH", "session_lost": True}},
    {"pace_cam": {"oid": "0.4.0.127.0.7.2.2.4.6.2", "parameter_id": 13, "ca_ic": "zz", "pk_map_ic": "04"}},
    {"pace_cam": {}},
])
def test_other_evidence_forms_round_trip_unchanged(evidence):
    loaded = Evidence.from_dict(evidence)
    assert loaded.to_dict() == evidence
    assert json.dumps(loaded.to_dict()) == json.dumps(evidence)


def test_an_unreadable_cam_record_is_kept_verbatim_and_flagged():
    raw = {"oid": "0.4.0.127.0.7.2.2.4.6.2", "parameter_id": 13, "ca_ic": "not hex", "pk_map_ic": "04"}
    cam = Evidence.from_dict({"pace_cam": raw}).pace_cam
    assert isinstance(cam, UnreadableEvidence) and "hex" in cam.problem and cam.raw == raw


@pytest.mark.parametrize("ca", [{"verified": True, "reason": "OK", "extra": 1}, {"key_id": -1},
                                {"verified": "yes"}, {"pk_ifd": "xyz"}])
def test_a_chip_authentication_record_of_another_form_is_refused(ca):
    with pytest.raises(DumpFormatError):
        Evidence.from_dict({"ca": ca})
