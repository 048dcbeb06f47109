"""PACE against the ICAO 9303-11 (G.1, G.2, H.1, H.2) and BSI worked examples.

Every intermediate value goes through the project's own functions, and the
driver replays the APDUs byte for byte where the example gives them (for the
BSI examples the chip's responses are built from its published values).
"""

from __future__ import annotations

import hashlib

import pytest

from cccd_chip.access.passwords import Password
from cccd_chip.access.pace import mapping, perform_pace, protocol, symmetric
from cccd_chip.crypto import domain_params as dp, ec
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import security_infos as si

from testsupport.pace_helpers import FeedRng, ScriptedChannel, h, vectors

GM_ECDH = vectors("pace_gm_ecdh")
GM_DH = vectors("pace_gm_dh")
IM = vectors("pace_im")


def _password(inputs: dict) -> Password:
    if "mrz_information" in inputs:
        return Password("MRZ", inputs["mrz_information"].encode())
    return Password("CAN", inputs["password"].encode())


def _secret(inputs: dict) -> bytes:
    return _password(inputs).pace_secret()


def _hex(b: bytes) -> str:
    return b.hex().upper()


@pytest.mark.parametrize("v", GM_ECDH + GM_DH, ids=lambda v: v["id"])
def test_gm_intermediates(v):
    i, e = v["inputs"], v["expected"]
    d = dp.standard(i["standardized_domain_parameter_id"])
    cipher = "AES-128"
    if "password_key_sha1" in e:
        assert _hex(_secret(i)) == e["password_key_sha1"]
    k_pi = protocol.password_key(_secret(i), cipher)
    assert _hex(k_pi) == e.get("kpi", e.get("kpi_computed"))
    s = protocol.decrypt_nonce(cipher, k_pi, h(i["encrypted_nonce_z"]))
    assert _hex(s) == e["nonce_s"]
    assert protocol.encrypt_nonce(cipher, k_pi, s) == h(i["encrypted_nonce_z"])
    sk_map_ifd = int(i["sk_map_ifd"], 16)
    pk_map_ifd = d.mul_gen(sk_map_ifd)
    assert _hex(d.encode(pk_map_ifd)).lstrip("0") == e["pk_map_ifd"].lstrip("0")
    pk_map_ic = d.decode(h(i["pk_map_ic"]))
    assert d.mul_gen(int(i["sk_map_ic"], 16)) == pk_map_ic
    H = mapping.gm_shared_point(d, sk_map_ifd, pk_map_ic)
    assert H == mapping.gm_shared_point(d, int(i["sk_map_ic"], 16), pk_map_ifd)
    G2 = mapping.gm_generator(d, int.from_bytes(s, "big"), H)
    if d.kind == "ECDH":
        assert _hex(d.encode(H)) == e["shared_point_H"]
        assert _hex(d.encode(G2)) == e["mapped_generator"]
    else:
        assert H == int(e["shared_h"], 16)
        assert G2 == int(e["mapped_generator"], 16)
    mapped = d.with_generator(G2)
    pk_ifd = mapped.mul_gen(int(i["sk_ka_ifd"], 16))
    assert int(_hex(mapped.encode(pk_ifd)), 16) == int(e["pk_ka_ifd"], 16)
    pk_ic = mapped.decode(h(i["pk_ka_ic"]))
    assert mapped.mul_gen(int(i["sk_ka_ic"], 16)) == pk_ic
    K = mapped.shared_secret(int(i["sk_ka_ifd"], 16), pk_ic)
    assert _hex(K) == e["shared_secret_K"]
    assert K == mapped.shared_secret(int(i["sk_ka_ic"], 16), pk_ifd)
    k_enc, k_mac = symmetric.session_keys(K, cipher)
    assert (_hex(k_enc), _hex(k_mac)) == (e["ksenc"], e["ksmac"])
    oid = si.oid_from_bytes(h(i["protocol_oid"]))
    tag = d.public_tag
    if "token_input_ifd" in e:
        assert _hex(protocol.token_input(oid, tag, h(i["pk_ka_ic"]))) == e["token_input_ifd"]
        assert _hex(protocol.token_input(oid, tag, mapped.encode(pk_ifd))) == e["token_input_ic"]
    assert _hex(protocol.auth_token(cipher, k_mac, oid, tag, h(i["pk_ka_ic"]))) == e["token_ifd"]
    assert _hex(protocol.auth_token(cipher, k_mac, oid, tag, mapped.encode(pk_ifd))) == e["token_ic"]


def _scripted_run(v, mapping_kind: str):
    i, e, a = v["inputs"], v["expected"], v.get("apdus", {})
    d = dp.standard(i["standardized_domain_parameter_id"])
    q = d.order
    size = (q.bit_length() + 7) // 8
    oid = si.oid_from_bytes(h(i["protocol_oid"]))
    sw = b"\x90\x00"

    def resp(tag, value):
        return tlv.encode(0x7C, tlv.encode(tag, value)) + sw

    mse = a.get("mse_set_at") if "mrz_information" in i else a.get("mse_set_at_constructed_assuming_can")
    script = [(h(mse) if mse else None, sw)]
    script.append((h(a["ga1_command"]) if "ga1_command" in a else None,
                   h(a["ga1_response"]) if "ga1_response" in a else resp(0x80, h(i["encrypted_nonce_z"]))))
    if mapping_kind == "GM":
        rng = FeedRng((int(i["sk_map_ifd"], 16) % q).to_bytes(size, "big"),
                      (int(i["sk_ka_ifd"], 16) % q).to_bytes(size, "big"))
        script.append((h(a["ga2_command"]) if "ga2_command" in a else None,
                       h(a["ga2_response"]) if "ga2_response" in a else resp(0x82, h(i["pk_map_ic"]))))
    else:
        rng = FeedRng(h(i["nonce_t"]), (int(i["sk_ka_ifd"], 16) % q).to_bytes(size, "big"))
        script.append((h(a["ga2_command"]), tlv.encode(0x7C, tlv.encode(0x82, b"")) + sw))
    script.append((h(a["ga3_command"]) if "ga3_command" in a else None,
                   h(a["ga3_response"]) if "ga3_response" in a else resp(0x84, h(i["pk_ka_ic"]))))
    script.append((h(a["ga4_command"]) if "ga4_command" in a else None,
                   h(a["ga4_response"]) if "ga4_response" in a else resp(0x86, h(e["token_ic"]))))
    ch = ScriptedChannel(script)
    info = si.PaceInfo(oid, 2, i["standardized_domain_parameter_id"])
    result = perform_pace(ch, info, _password(i), rng)
    assert not ch.script  # every scripted APDU was used
    if mapping_kind == "GM" and "ga2_command" not in a:
        # the BSI examples give no APDUs: check what we sent against the published values
        pk_map_ifd = tlv.decode(tlv.decode_one(ch.sent[2][5:-1]).value)[0].value
        assert int.from_bytes(pk_map_ifd, "big") == int(e["pk_map_ifd"], 16) or pk_map_ifd.hex().upper().endswith(
            e["pk_map_ifd"][2:])
        t_ifd = tlv.decode(tlv.decode_one(ch.sent[4][5:-1]).value)[0].value
        assert _hex(t_ifd) == e["token_ifd"]
    assert result.access.protocol == "PACE" and result.access.mapping == mapping_kind
    assert result.access.cipher == "AES-128" and result.access.parameter_id == d.parameter_id
    assert result.chip_ephemeral_key == h(i["pk_ka_ic"])
    assert ch.sm is None  # the driver returns the session; the reader installs it
    assert result.sm.cipher.name == "AES-128" and result.sm.ssc == bytes(16)
    return result, ch


@pytest.mark.parametrize("v", GM_ECDH + GM_DH, ids=lambda v: v["id"])
def test_gm_driver_replays_the_example(v):
    result, ch = _scripted_run(v, "GM")
    if "ga4_response" in v.get("apdus", {}) and v["apdus"]["ga4_response"].startswith("7C1B"):
        assert result.cars == (b"DETESTCVCA00003",)


def test_g1_mse_set_at_bytes():
    v = GM_ECDH[0]
    assert _hex(protocol.mse_set_at_data("0.4.0.127.0.7.2.2.4.2.2", "MRZ")) == v["apdus"]["mse_set_at_data"]
    assert _hex(protocol.mse_set_at("0.4.0.127.0.7.2.2.4.2.2", "MRZ").encode()) == v["apdus"]["mse_set_at"]
    infos = si.parse(h(v["inputs"]["ef_cardaccess"]))
    assert infos.pace_infos[0].algorithm.name == "id-PACE-ECDH-GM-AES-CBC-CMAC-128"


@pytest.mark.parametrize("v", IM, ids=lambda v: v["id"])
def test_im_intermediates(v):
    i, e = v["inputs"], v["expected"]
    d = dp.standard(i["standardized_domain_parameter_id"])
    cipher = "AES-128"
    k_pi = protocol.password_key(i["password"].encode(), cipher)
    assert _hex(k_pi) == e["kpi"]
    s = protocol.decrypt_nonce(cipher, k_pi, h(i["encrypted_nonce_z"]))
    assert _hex(s) == e["nonce_s"]
    t = h(i["nonce_t"])
    p = d.curve.p if d.kind == "ECDH" else d.group.p
    R = mapping.prf(cipher, s, t, p)
    assert _hex(R) == e["prf_R_s_t"]
    assert int.from_bytes(R, "big") % p == int(e["R_mod_p"], 16)
    G2 = mapping.im_generator(d, cipher, s, t)
    if d.kind == "ECDH":
        assert _hex(d.encode(G2)) == e["mapped_generator"]
    else:
        assert G2 == int(e["mapped_generator"], 16)
    mapped = d.with_generator(G2)
    sk_ifd = int(i["sk_ka_ifd"], 16)
    pk_ifd = mapped.mul_gen(sk_ifd)
    assert int.from_bytes(mapped.encode(pk_ifd), "big") == int(e["pk_ka_ifd"], 16)
    pk_ic = mapped.decode(h(i["pk_ka_ic"]))
    K = mapped.shared_secret(sk_ifd, pk_ic)
    assert _hex(K) == e["shared_secret_K"]
    k_enc, k_mac = symmetric.session_keys(K, cipher)
    assert (_hex(k_enc), _hex(k_mac)) == (e["ksenc"], e["ksmac"])
    oid = i["protocol_oid_dotted"]
    assert _hex(protocol.auth_token(cipher, k_mac, oid, d.public_tag, h(i["pk_ka_ic"]))) == e["token_ifd"]
    assert _hex(protocol.auth_token(cipher, k_mac, oid, d.public_tag, mapped.encode(pk_ifd))) == e["token_ic"]


@pytest.mark.parametrize("v", IM, ids=lambda v: v["id"])
def test_im_driver_replays_the_example(v):
    _scripted_run(v, "IM")


def test_wrong_password_on_the_g1_script_is_refused_by_our_own_token_check():
    """With a wrong MRZ, our nonce differs; the chip's (scripted) token then cannot verify."""
    v = GM_ECDH[0]
    i = dict(v["inputs"])
    i["mrz_information"] = "T22000129364081251010319"
    bad = dict(v, inputs=i)
    with pytest.raises(Exception) as exc:
        _scripted_run(bad, "GM")
    # the scripted APDUs differ from the first GA on (different mapping), or the token fails
    assert exc.type.__name__ in ("AssertionError", "ProtocolError")


def test_ec_point_encoding_fixed_point_matches_curve():
    c = ec.curve_by_name("brainpoolP256r1")
    P = mapping.point_encoding(c, 12345)
    assert ec.is_on_curve(c, P.x, P.y)
    with pytest.raises(Exception):
        mapping.point_encoding(ec.curve_by_name("secp224r1"), 5)
    _ = hashlib
