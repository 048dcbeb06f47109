"""Active Authentication against ICAO 9303-11 Appendix F (test_vectors/aa.json): the recovered message
representative of an ISO/IEC 9796-2 scheme 1 signature, and a wrong challenge refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cccd_chip.errors import VerificationError
from cccd_chip.verify.active_auth import recover_iso9796_2

VECTORS = Path(__file__).resolve().parents[2] / "test_vectors" / "aa.json"


def test_icao_appendix_f_message_representative():
    v = json.loads(VECTORS.read_text())["vectors"][0]
    f = bytes.fromhex(v["expected"]["F"])
    challenge = bytes.fromhex(v["inputs"]["rnd_ifd_M2"])
    res = recover_iso9796_2(f, challenge)
    assert (res.scheme, res.hash, res.detail) == ("iso9796-2", "sha1", "trailer BC")
    with pytest.raises(VerificationError) as e:
        recover_iso9796_2(f, bytes(8))
    assert e.value.reason == "AA_CHALLENGE_MISMATCH"
