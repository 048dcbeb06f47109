"""Members read one by one where a comparison with an empty record would do (issue 13: the
dataclass ``__eq__`` is interpreted Python, ~1 us a document): each is held to that comparison."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from cccd_chip.evidence import ChipAuthEvidence, RecordedCheck

_SAMPLES: dict[str, Any] = {  # a value of each member's type (falsy ones: a falsy value is still a value)
    "protocol": "CA", "oid": "0.4.0.127.0.7.2.2.3.2.4", "key_id": 0, "cipher": "", "pk_ifd": b"",
    "verified": False, "result": "failed", "reason": "", "session_lost": False,
    "check": RecordedCheck("chip_auth", "failed", "CA_KEY_MISMATCH"),
}


def test_empty_chip_auth_record_is_not_attempted() -> None:
    assert ChipAuthEvidence().attempted is False
    assert ChipAuthEvidence().attempted == (ChipAuthEvidence() != ChipAuthEvidence())


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(ChipAuthEvidence)])
def test_any_member_set_makes_chip_auth_attempted(name: str) -> None:
    """Every member, even set to a falsy value, counts (a member added later without its line in
    ``attempted`` fails here: the sample table must name every member)."""
    assert set(_SAMPLES) == {f.name for f in dataclasses.fields(ChipAuthEvidence)}
    record = ChipAuthEvidence(**{name: _SAMPLES[name]})
    assert record != ChipAuthEvidence()
    assert record.attempted is True
