"""The small memos of the verification path (issue 13): each gives what the computation it
replaces gives, stays bounded, and never keeps an error."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

import pytest

from cccd_chip.crypto import signatures
from cccd_chip.crypto.signatures import SignatureAlgorithm
from cccd_chip.errors import ParseError
from cccd_chip.lds import _der
from cccd_chip.verify.report import iso_seconds


def test_iso_seconds_is_isoformat() -> None:
    base = datetime(2026, 12, 4, 2, 30, 59, 999_999, tzinfo=timezone.utc)
    for when in (base, base + timedelta(microseconds=1), base.astimezone(timezone(timedelta(hours=7))),
                 datetime(1999, 1, 2, 3, 4, 5, tzinfo=timezone.utc), base.replace(tzinfo=None)):
        assert iso_seconds(when) == when.isoformat(timespec="seconds")
        assert iso_seconds(when) == when.isoformat(timespec="seconds")  # the memo's answer
    a = datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    b = datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    assert (iso_seconds(a), iso_seconds(b), iso_seconds(a)) == (a.isoformat(timespec="seconds"),
                                                               b.isoformat(timespec="seconds"),
                                                               a.isoformat(timespec="seconds"))
    # an equal instant in another object is formatted on its own (the memo compares identity)
    c = datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=-3))) + timedelta(hours=-3)
    assert iso_seconds(c) == c.isoformat(timespec="seconds") != iso_seconds(a)


class _FoldZone(tzinfo):
    """A local time that repeats: the first pass at UTC-4, the second (``fold=1``) at UTC-5."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=-5 if dt is not None and dt.fold else -4)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str:
        return "FZ"


def test_iso_seconds_memo_keys_every_field_of_the_text() -> None:
    """Within one second the text is reused; anything the text shows changes it (fold too)."""
    a = datetime(2026, 12, 4, 3, 10, 7, 1, tzinfo=timezone.utc)
    b = a.replace(microsecond=999_999)  # another object, the same second
    assert iso_seconds(a) == iso_seconds(b) == b.isoformat(timespec="seconds")
    for changed in (a.replace(second=8), a.replace(minute=11), a.replace(hour=4), a.replace(day=5), a.replace(month=11),
                    a.replace(year=2027), a.replace(tzinfo=timezone(timedelta(hours=7))), a.replace(tzinfo=None)):
        assert iso_seconds(a) == a.isoformat(timespec="seconds")
        assert iso_seconds(changed) == changed.isoformat(timespec="seconds") != a.isoformat(timespec="seconds")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=_FoldZone())
    second = first.replace(fold=1)
    assert iso_seconds(first) == "2026-11-01T01:30:00-04:00"
    assert iso_seconds(second) == "2026-11-01T01:30:00-05:00" == second.isoformat(timespec="seconds")


def test_decode_oid_cache_is_bounded_and_keeps_no_error() -> None:
    assert _der.decode_oid(bytes.fromhex("2B0E03021A")) == "1.3.14.3.2.26"
    for _ in range(2):  # refused every time, never cached
        with pytest.raises(ParseError):
            _der.decode_oid(b"\x2b\x86")  # the last arc unterminated
    _der._OID_TEXTS.clear()
    for i in range(128, 128 + _der._OID_TEXTS_MAX + 50):  # 1.2.i, distinct, each arc in two bytes
        value = bytes([0x2A, 0x80 | i >> 7, i & 0x7F])
        assert _der.decode_oid(value) == _der._oid_text(value)
    assert len(_der._OID_TEXTS) == _der._OID_TEXTS_MAX
    assert _der.decode_oid(bytes.fromhex("608648016503040201")) == "2.16.840.1.101.3.4.2.1"  # past the bound: still decoded


def test_rsa_padding_cache_is_bounded() -> None:
    signatures._RSA_PADDINGS.clear()
    for salt in range(signatures._RSA_PADDINGS_MAX + 20):
        pad, h = signatures._rsa_padding(SignatureAlgorithm("rsa-pss", "sha256", salt_length=salt, mgf_hash="sha256"))
        assert h.name == "sha256" and pad.name == "EMSA-PSS"
    assert len(signatures._RSA_PADDINGS) == signatures._RSA_PADDINGS_MAX
    pad, h = signatures._rsa_padding(SignatureAlgorithm("rsa-pkcs1v15", "sha384"))
    assert pad.name == "EMSA-PKCS1-v1_5" and h.name == "sha384"
