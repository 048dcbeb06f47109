"""Human output without a terminal is written without rich (host_cli/render.py ``_PlainOut``).

The plain writer must print exactly what rich's Console printed for the same report and
summary (data made visible first, no markup, no wrapping), and rich must still be used
when the environment says the output is a terminal (FORCE_COLOR, TTY_COMPATIBLE).
"""

from __future__ import annotations

import io
import sys

import pytest

from cccd_chip.verify.report import CheckResult, Reason, Report, Verdict
from host_cli import render


def _report() -> Report:
    hostile = "CN=X [bold]red[/bold] :smile: \x1b[31m\t\u202etxt\u2028end" + " long" * 60
    return Report.of(
        [
            CheckResult("passive.signature", Verdict.SUCCESSFUL, Reason.OK, "SOD", "ECDSA by brainpoolP384r1 [x]"),
            CheckResult("passive.dsc_chain", Verdict.FAILED, Reason.DSC_SIGNATURE_INVALID, f"DSC {hostile}", hostile),
            CheckResult("chip_auth", Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "DG14", ""),
        ],
        "v1",
        "2026-12-03T00:00:00+00:00",
    )


def _printed(monkeypatch: pytest.MonkeyPatch, plain: bool) -> str:
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buf)
    monkeypatch.setattr(render, "_plain_stream", lambda stderr=False: plain)
    render.human_report(_report())
    return buf.getvalue()


def test_plain_output_equals_rich_output_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS"):
        monkeypatch.delenv(var, raising=False)
    plain = _printed(monkeypatch, True)
    rich = _printed(monkeypatch, False)
    assert "passive.dsc_chain" in plain and plain.endswith("Verification: FAILED\n")
    assert "\x1b" not in plain and "\u202e" not in plain
    assert plain == rich


def test_rich_is_not_imported_for_plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert render._plain_stream(False) is True
    assert isinstance(render._console(), render._PlainOut)


@pytest.mark.parametrize(("var", "value", "plain"), [("FORCE_COLOR", "1", False), ("TTY_COMPATIBLE", "1", False),
                                                     ("TTY_COMPATIBLE", "0", True)])
def test_environment_overrides_follow_rich(monkeypatch: pytest.MonkeyPatch, var: str, value: str, plain: bool) -> None:
    for v in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv(var, value)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert render._plain_stream(False) is plain
    if not plain:
        assert render._console().is_terminal is True
