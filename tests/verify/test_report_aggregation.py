"""Aggregation truth table (catalogue family 35; BSI TR-03135-1 §5.4 Tables 5.2, 5.17-5.46).

``report.overall`` is checked against an independent statement of the rule
over every sequence of up to four verdicts (5**0 + ... + 5**4 = 781 cases).
"""

from __future__ import annotations

import itertools

import pytest

from cccd_chip.errors import VerificationError
from cccd_chip.verify.report import CheckResult, Reason, Report, Verdict, overall

V = list(Verdict)


def _expected(verdicts: tuple[Verdict, ...]) -> Verdict:
    """The documented rule, written as a decision list (not as a ranking)."""
    if Verdict.ABORTED in verdicts:
        return Verdict.ABORTED
    if Verdict.FAILED in verdicts:
        return Verdict.FAILED
    if Verdict.UNDETERMINED in verdicts:
        return Verdict.UNDETERMINED
    if Verdict.SUCCESSFUL in verdicts:
        return Verdict.SUCCESSFUL
    return Verdict.UNDETERMINED  # nothing ran (no checks, or all not_supported)


def _checks(verdicts):
    return [CheckResult(f"c{i}", v, Reason.OK if v is Verdict.SUCCESSFUL else Reason.NOT_PERFORMED) for i, v in enumerate(verdicts)]


ALL = [combo for n in range(5) for combo in itertools.product(V, repeat=n)]


def test_truth_table_over_every_combination():
    assert len(ALL) == 781
    wrong = [(combo, overall(_checks(combo))) for combo in ALL if overall(_checks(combo)) is not _expected(combo)]
    assert wrong == []


def test_order_does_not_matter_and_reports_agree():
    for combo in ALL:
        got = overall(_checks(combo))
        assert overall(_checks(tuple(reversed(combo)))) is got
        assert Report.of(_checks(combo)).overall is got


def test_successful_needs_at_least_one_successful_check():
    for combo in ALL:
        if overall(_checks(combo)) is Verdict.SUCCESSFUL:
            assert Verdict.SUCCESSFUL in combo
            assert set(combo) <= {Verdict.SUCCESSFUL, Verdict.NOT_SUPPORTED}
    assert Report.of([]).overall is Verdict.UNDETERMINED
    assert Report.of(_checks([Verdict.NOT_SUPPORTED] * 3)).overall is Verdict.UNDETERMINED


@pytest.mark.parametrize("checks", [(), (Verdict.NOT_SUPPORTED,), (Verdict.SUCCESSFUL, Verdict.FAILED)])
def test_a_report_cannot_claim_success_its_checks_do_not_give(checks):
    with pytest.raises(VerificationError):
        Report(tuple(_checks(checks)), overall=Verdict.SUCCESSFUL)


def test_a_consistent_report_can_be_built_directly():
    r = Report(tuple(_checks([Verdict.SUCCESSFUL, Verdict.NOT_SUPPORTED])), overall=Verdict.SUCCESSFUL)
    assert r.to_json()["overall"] == "successful"
