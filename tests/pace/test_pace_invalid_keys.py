"""Every invalid chip key is rejected with its own reason before it meets a secret scalar."""

from __future__ import annotations

import pytest

from cccd_chip.access.pace import mapping, perform_pace, protocol
from cccd_chip.crypto import dh, domain_params as dp, ec
from cccd_chip.crypto.domain_params import DhDomain, EcDomain
from cccd_chip.errors import InvalidPublicKeyError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import security_infos as si

from pace_cards import can
from testsupport.pace_helpers import ScriptedChannel, det_rng

OK = b"\x90\x00"


def ga(tag: int, value: bytes) -> bytes:
    return tlv.encode(0x7C, tlv.encode(tag, value)) + OK


@pytest.fixture
def spies(monkeypatch):
    calls = {"H": 0, "K": 0}
    real_h = mapping.gm_shared_point

    def spy_h(*a, **k):
        calls["H"] += 1
        return real_h(*a, **k)

    monkeypatch.setattr(mapping, "gm_shared_point", spy_h)
    real_e = mapping.gm_ephemeral_public

    def spy_e(*a, **k):
        calls["H"] += 1
        return real_e(*a, **k)

    monkeypatch.setattr(mapping, "gm_ephemeral_public", spy_e)
    for cls in (EcDomain, DhDomain):
        real = cls.shared_secret

        def spy_k(self, *a, _real=real, **k):
            calls["K"] += 1
            return _real(self, *a, **k)

        monkeypatch.setattr(cls, "shared_secret", spy_k)
    return calls


def _run(pid: int, step2, step3=None, mp: str = "GM"):
    info = si.PaceInfo(si.pace_oid(mp, "DH" if pid <= 2 else "ECDH", "AES-128"), 2, pid)
    script = [(None, OK), (None, ga(0x80, bytes(16))), (None, step2)]
    if step3 is not None:
        script.append((None, step3))
    ch = ScriptedChannel(script)
    with pytest.raises(InvalidPublicKeyError) as e:
        perform_pace(ch, info, can(), det_rng(b"host"))
    assert not ch.script and ch.sm is None
    return e.value


def _valid_map_key(pid: int) -> bytes:
    d = dp.standard(pid)
    return d.encode(d.mul_gen(0x1234567))


BP = ec.curve_by_name("brainpoolP256r1")
BP_DOMAIN = dp.standard(13)
L = BP.size

EC_BAD = {
    ec.R_IDENTITY: b"\x00",
    ec.R_LENGTH: b"\x04" + BP.gx.to_bytes(L, "big") + BP.gy.to_bytes(L, "big")[:-1],
    ec.R_FORMAT: b"\x03" + BP.gx.to_bytes(L, "big") + BP.gy.to_bytes(L, "big"),
    ec.R_COORDINATE: b"\x04" + BP.p.to_bytes(L, "big") + BP.gy.to_bytes(L, "big"),
    ec.R_NOT_ON_CURVE: b"\x04" + BP.gx.to_bytes(L, "big") + ((BP.gy + 1) % BP.p).to_bytes(L, "big"),
}


@pytest.mark.parametrize("reason", sorted(EC_BAD))
def test_invalid_ec_mapping_key_rejected_at_step_2(reason, spies):
    err = _run(13, ga(0x82, EC_BAD[reason]))
    assert err.reason == reason and "step 2" in err.step
    assert spies["H"] == 0 and spies["K"] == 0


@pytest.mark.parametrize("reason", sorted(EC_BAD))
def test_invalid_ec_ephemeral_key_rejected_at_step_3(reason, spies):
    err = _run(13, ga(0x82, _valid_map_key(13)), ga(0x84, EC_BAD[reason]))
    assert err.reason == reason and "step 3" in err.step
    assert spies["K"] == 0


def test_small_order_point_on_a_cofactor_curve_rejected(spies):
    """Explicit parameters with cofactor 4: a point of order 2 is on the curve but refused."""
    toy = ec.Curve("toy", None, 1019, 1, 1, 10, 537, 263, 4)
    d = EcDomain(toy, 99)
    with pytest.raises(InvalidPublicKeyError) as e:
        d.decode(b"\x04" + (467).to_bytes(2, "big") + bytes(2))
    assert e.value.reason == ec.R_SUBGROUP


def test_chip_ephemeral_key_equal_to_ours_rejected(spies):
    def echo(raw: bytes) -> bytes:
        pk = tlv.decode(tlv.decode_one(raw[5:-1]).value)[0].value  # our 83 value
        return ga(0x84, pk)

    err = _run(13, ga(0x82, _valid_map_key(13)), echo)
    assert err.reason == "EPHEMERAL_KEY_REUSED" and "step 3" in err.step
    assert spies["K"] == 0


@pytest.mark.parametrize("mp", ["GM", "IM"])
def test_chip_ephemeral_key_the_negative_of_ours_rejected(spies, mp):
    """-PK_IFD has the x of PK_IFD, so the same ECKA secret: refused like an echo."""
    def negated(raw: bytes) -> bytes:
        pk = tlv.decode(tlv.decode_one(raw[5:-1]).value)[0].value
        P = BP_DOMAIN.decode(pk)
        return ga(0x84, BP_DOMAIN.encode(ec.neg(BP, P)))

    step2 = ga(0x82, _valid_map_key(13)) if mp == "GM" else ga(0x82, b"")
    err = _run(13, step2, negated, mp=mp)
    assert err.reason == "EPHEMERAL_KEY_REUSED" and "step 3" in err.step
    assert spies["K"] == 0


def test_chip_mapping_key_equal_to_ours_rejected(spies):
    def echo(raw: bytes) -> bytes:
        return ga(0x82, tlv.decode(tlv.decode_one(raw[5:-1]).value)[0].value)

    err = _run(13, echo)
    assert err.reason == "EPHEMERAL_KEY_REUSED" and spies["H"] == 0


G0 = dh.GROUPS["rfc5114-1024-160"]


def _non_subgroup_value() -> int:
    y = 2
    while pow(y, G0.q, G0.p) == 1:
        y += 1
    return y


DH_BAD = {
    "zero": (b"\x00", dh.R_RANGE),
    "one": (b"\x01", dh.R_RANGE),
    "p-1": ((G0.p - 1).to_bytes(128, "big"), dh.R_RANGE),
    "p": (G0.p.to_bytes(128, "big"), dh.R_RANGE),
    "too-long": (b"\x00" + (5).to_bytes(128, "big"), dh.R_LENGTH),
    "empty": (b"", dh.R_LENGTH),
    "not-in-subgroup": (_non_subgroup_value().to_bytes(128, "big"), dh.R_SUBGROUP),
}


@pytest.mark.parametrize("name", sorted(DH_BAD))
def test_invalid_dh_mapping_value_rejected_at_step_2(name, spies):
    value, reason = DH_BAD[name]
    err = _run(0, ga(0x82, value))
    assert err.reason == reason and "step 2" in err.step
    assert spies["H"] == 0 and spies["K"] == 0


@pytest.mark.parametrize("name", sorted(DH_BAD))
def test_invalid_dh_ephemeral_value_rejected_at_step_3(name, spies):
    value, reason = DH_BAD[name]
    err = _run(0, ga(0x82, _valid_map_key(0)), ga(0x84, value))
    assert err.reason == reason and "step 3" in err.step
    assert spies["K"] == 0


@pytest.mark.parametrize("name", ["zero", "one", "p-1", "not-in-subgroup"])
def test_invalid_dh_value_in_im_rejected_at_step_3(name, spies):
    value, reason = DH_BAD[name]
    err = _run(0, ga(0x82, b""), ga(0x84, value), mp="IM")
    assert err.reason == reason and spies["K"] == 0


def test_im_with_non_empty_82_is_a_protocol_error():
    from cccd_chip.errors import ProtocolError

    info = si.PaceInfo(si.pace_oid("IM", "ECDH", "AES-128"), 2, 13)
    ch = ScriptedChannel([(None, OK), (None, ga(0x80, bytes(16))), (None, ga(0x82, b"\x01"))])
    with pytest.raises(ProtocolError) as e:
        perform_pace(ch, info, can(), det_rng(b"x"))
    assert "step 2" in e.value.step


@pytest.mark.parametrize("step,sw,exc", [
    (0, 0x6A80, "ProtocolError"), (1, 0x6982, "ProtocolError"), (2, 0x6300, "AccessDeniedError"),
    (3, 0x6A80, "ProtocolError"), (4, 0x63C2, "AccessDeniedError"), (4, 0x6983, "AccessDeniedError"),
])
def test_every_step_reports_its_number_and_sw(step, sw, exc):
    info = si.PaceInfo(si.pace_oid("GM", "ECDH", "AES-128"), 2, 13)
    d = dp.standard(13)
    chip_key = d.encode(d.mul_gen(777))
    ok = [(None, OK), (None, ga(0x80, bytes(16))), (None, ga(0x82, chip_key)), (None, ga(0x84, chip_key)),
          (None, ga(0x86, bytes(8)))]
    script = ok[:step] + [(None, sw.to_bytes(2, "big"))]
    ch = ScriptedChannel(script)
    with pytest.raises(Exception) as e:
        perform_pace(ch, info, can(), det_rng(b"s"))
    assert type(e.value).__name__ == exc
    assert e.value.step == protocol.step_label(step) and e.value.sw == sw
    assert f"step {step}" in str(e.value) and f"{sw:04X}" in str(e.value)


def test_bad_chip_token_is_a_protocol_error_and_no_session():
    from cccd_chip.errors import ProtocolError

    info = si.PaceInfo(si.pace_oid("GM", "ECDH", "AES-128"), 2, 13)
    d = dp.standard(13)
    chip_key = d.encode(d.mul_gen(777))
    ch = ScriptedChannel([(None, OK), (None, ga(0x80, bytes(16))), (None, ga(0x82, chip_key)),
                          (None, ga(0x84, d.encode(d.mul_gen(778)))), (None, ga(0x86, bytes(8)))])
    with pytest.raises(ProtocolError) as e:
        perform_pace(ch, info, can(), det_rng(b"t"))
    assert e.value.reason == "PACE_TOKEN_INVALID" and ch.sm is None
