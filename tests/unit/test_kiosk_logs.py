"""Kiosk logs never carry what a failing credential provider or a buggy read had in its
exception text (a typed CAN/MRZ, holder data): only the exception type and where it happened."""

from __future__ import annotations

import logging

from cccd_chip.kiosk import KioskLoop, Record, ScriptedCardSource
from cccd_chip.reader import Credential
from host_cli.exit_codes import exit_code_for

CANARY = "CANARY-314159"


class ListSink:
    def __init__(self) -> None:
        self.records: list[Record] = []

    def write(self, record: Record) -> None:
        self.records.append(record)


class BuggyTransport:
    reader = "test"
    atr = None

    def transmit(self, apdu: bytes) -> bytes:
        raise ValueError(f"bug while handling {CANARY}")

    def close(self) -> None:
        pass


def _provider_fails(info):
    raise ValueError(f"operator typed {CANARY}")


def test_failing_credential_provider_is_logged_without_its_message(caplog):
    sink = ListSink()
    loop = KioskLoop(ScriptedCardSource([BuggyTransport()]), credentials=_provider_fails, sink=sink)
    with caplog.at_level(logging.DEBUG, logger="cccd_chip"):
        loop.run(max_cards=1)
    assert [r.reason for r in sink.records] == ["NO_CREDENTIAL"]
    assert "credential provider failed" in caplog.text and "ValueError" in caplog.text
    assert CANARY not in caplog.text


def test_internal_error_while_reading_is_logged_without_its_message(caplog):
    sink = ListSink()
    loop = KioskLoop(ScriptedCardSource([BuggyTransport()]), credentials=lambda i: Credential.from_can("123456"),
                     sink=sink, exit_code_for=exit_code_for)
    with caplog.at_level(logging.DEBUG, logger="cccd_chip"):
        loop.run(max_cards=1)
    assert [(r.status, r.exit_code) for r in sink.records] == [("error", 70)]
    assert "ValueError" in caplog.text and "transmit" in caplog.text  # where it happened stays visible
    assert CANARY not in caplog.text and "123456" not in caplog.text


def test_failing_ui_callback_is_logged_as_error_without_its_message(caplog):
    from cccd_chip.kiosk import KioskCallbacks

    def on_record(record):
        raise KeyError(f"holder {CANARY}")

    sink = ListSink()
    loop = KioskLoop(ScriptedCardSource([BuggyTransport()]), credentials=_provider_fails, sink=sink,
                     callbacks=KioskCallbacks(on_record=on_record))
    with caplog.at_level(logging.DEBUG, logger="cccd_chip"):
        loop.run(max_cards=1)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "on_record" in errors[0].getMessage() and "KeyError" in errors[0].getMessage()
    assert CANARY not in caplog.text


def test_aborted_verification_is_never_exit_code_0(monkeypatch):
    """A verify hook whose Report is 'aborted' gives the CLI's code 4 (host_cli.exit_codes), not 0."""
    import cccd_chip.kiosk as kiosk
    from cccd_chip.document import Document
    from cccd_chip.verify.report import CheckResult, Reason, Report, Verdict

    monkeypatch.setattr(kiosk, "read_document", lambda *a, **k: Document(files={}))
    report = Report.of([CheckResult("passive.signature", Verdict.ABORTED, Reason.NOT_PERFORMED)])
    sink = ListSink()
    loop = KioskLoop(ScriptedCardSource([BuggyTransport()]), credentials=lambda i: Credential.from_can("123456"),
                     sink=sink, verify=lambda doc, store: report, render=lambda d, r, s: {},
                     exit_code_for=exit_code_for)
    loop.run(max_cards=1)
    assert [(r.status, r.verdict, r.exit_code) for r in sink.records] == [("complete", "aborted", 4)]


def test_no_report_is_never_exit_code_0_and_the_library_alone_gives_no_code(monkeypatch):
    """A verify hook that returns None has not verified: the CLI's table says 70, not 0; a loop without
    exit_code_for (a library user) records no exit code at all."""
    import cccd_chip.kiosk as kiosk
    from cccd_chip.document import Document

    monkeypatch.setattr(kiosk, "read_document", lambda *a, **k: Document(files={}))
    for given, expected in ((exit_code_for, 70), (None, None)):
        sink = ListSink()
        KioskLoop(ScriptedCardSource([BuggyTransport()]), credentials=lambda i: Credential.from_can("123456"),
                  sink=sink, verify=lambda doc, store: None, render=lambda d, r, s: {},
                  exit_code_for=given).run(max_cards=1)
        assert [(r.status, r.verdict, r.exit_code) for r in sink.records] == [("complete", None, expected)]


def test_dump_dir_records_are_private(tmp_path, monkeypatch):
    """Records hold personal data (and the access-password digest of a CCCD): like the JSON-lines
    sink (0600), a record folder is readable by its owner only, whatever the umask."""
    import os
    import stat

    import cccd_chip.kiosk as kiosk
    from cccd_chip.document import AccessInfo, Document
    from cccd_chip.kiosk import DumpDirSink

    monkeypatch.setattr(kiosk, "read_document", lambda *a, **k: Document(
        files={"DG1": b"\x61\x00"}, access=AccessInfo("PACE", "CAN", password_binding="matched")))
    old = os.umask(0o022)
    try:
        loop = KioskLoop(ScriptedCardSource([BuggyTransport()]), credentials=lambda i: Credential.from_can("123456"),
                         sink=DumpDirSink(tmp_path / "out"))
        loop.run(max_cards=1)
    finally:
        os.umask(old)
    (rec,) = [p for p in (tmp_path / "out").iterdir()]
    assert stat.S_IMODE(rec.stat().st_mode) & 0o077 == 0
    assert (rec / "record.json").exists() and (rec / "dump" / "DG1.bin").exists()
