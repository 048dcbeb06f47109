"""PACE-CAM against ICAO 9303-11 Appendix I.1 (test_vectors/pace_cam.json): values and APDUs."""

from __future__ import annotations

import pytest

from cccd_chip.access.passwords import Password
from dataclasses import replace

from cccd_chip.access.pace import mapping, perform_pace, protocol, symmetric
from cccd_chip.crypto import aes, domain_params as dp
from cccd_chip.crypto.cam_check import check_cam_data
from cccd_chip.lds import security_infos as si
from cccd_chip.verify.pace_cam import check_pace_cam
from cccd_chip.verify.passive import SignerOutcome
from cccd_chip.verify.report import Reason, Verdict

from testsupport.pace_helpers import FeedRng, ScriptedChannel, h, vectors

V = vectors("pace_cam")[0]
I, E, A = V["inputs"], V["expected"], V["apdus"]


def _hex(b: bytes) -> str:
    return b.hex().upper()


def test_i1_intermediates():
    d = dp.standard(13)
    pw = Password("MRZ", I["mrz_information"].encode())
    assert _hex(pw.pace_secret()) == E["password_key_sha1"]
    k_pi = protocol.password_key(pw.pace_secret(), "AES-128")
    assert _hex(k_pi) == E["kpi"]
    assert _hex(protocol.encrypt_nonce("AES-128", k_pi, h(I["nonce_s"]))) == E["encrypted_nonce_z"]
    s = int(I["nonce_s"], 16)
    sk_map, sk = int(I["sk_map_ifd"], 16), int(I["sk_ka_ifd"], 16)
    assert _hex(d.encode(d.mul_gen(sk_map))) == E["pk_map_ifd"]
    pk_map_ic = d.decode(h(E["pk_map_ic"]))
    assert d.mul_gen(int(I["sk_map_ic"], 16)) == pk_map_ic
    H = mapping.gm_shared_point(d, sk_map, pk_map_ic)
    assert _hex(d.encode(H)) == E["shared_point_H"]
    G2 = mapping.gm_generator(d, s, H)
    assert _hex(d.encode(G2)) == E["mapped_generator"]
    assert _hex(d.encode(mapping.gm_ephemeral_public(d, s, sk_map, pk_map_ic, sk))) == E["pk_ka_ifd"]
    K = d.shared_secret(sk, d.decode(h(E["pk_ka_ic"])))
    assert _hex(K) == E["shared_secret_K"]
    k_enc, k_mac = symmetric.session_keys(K, "AES-128")
    assert (_hex(k_enc), _hex(k_mac)) == (E["ksenc"], E["ksmac"])
    oid = I["protocol_oid_dotted"]
    assert _hex(protocol.auth_token("AES-128", k_mac, oid, 0x86, h(E["pk_ka_ic"]))) == E["token_ifd"]
    assert _hex(protocol.auth_token("AES-128", k_mac, oid, 0x86, h(E["pk_ka_ifd"]))) == E["token_ic"]
    # CAM: IV, decryption, re-encryption, and the check against the CA key
    assert _hex(aes.encrypt_block(k_enc, mapping.CAM_IV_INPUT)) == E["cam_iv"]
    ca_ic = mapping.cam_decrypt(k_enc, h(E["encrypted_ca_data"]), d.order)
    assert ca_ic.to_bytes(32, "big") == h(E["ca_data"])
    assert mapping.cam_encrypt(k_enc, ca_ic, d.order) == h(E["encrypted_ca_data"])
    info = si.parse(b"\x31\x64" + h(I["ca_public_key_info"])).chip_authentication_public_keys[0]
    assert info.key_id == 13
    dom, pk_ic = info.domain_and_key()
    assert _hex(dom.encode(pk_ic)) == E["pk_ic"]
    assert mapping.cam_check(dom, ca_ic, pk_ic, pk_map_ic)
    assert not mapping.cam_check(dom, ca_ic + 1, pk_ic, pk_map_ic)


def test_i1_driver_replays_the_apdus_and_checks_cam():
    script = [(h(A["mse_set_at"]), b"\x90\x00")]
    for n in (1, 2, 3, 4):
        script.append((h(A[f"ga{n}_command"]), h(A[f"ga{n}_response"])))
    ch = ScriptedChannel(script)
    info = si.parse(b"\x31\x14" + h(I["pace_info"])).pace_infos[0]
    assert info.algorithm.name == "id-PACE-ECDH-CAM-AES-CBC-CMAC-128"
    result = perform_pace(ch, info, Password("MRZ", I["mrz_information"].encode()),
                          FeedRng(h(I["sk_map_ifd"]), h(I["sk_ka_ifd"])))
    assert not ch.script
    assert ch.sm is None  # the driver returns the session, the reader installs it
    cam = result.cam
    assert cam is not None and cam.check is None
    assert _hex(cam.ca_ic) == E["ca_data"] and _hex(cam.pk_map_ic) == E["pk_map_ic"]
    assert result.access.mapping == "CAM" and cam.key_id == 13 and cam.parameter_id == 13
    infos = si.parse(b"\x31\x64" + h(I["ca_public_key_info"]))
    key = infos.ca_public_key(13)
    assert check_cam_data(key, cam.ca_ic, cam.pk_map_ic).consistent is True
    assert check_pace_cam(cam, infos, SignerOutcome(False, None)).verdict is Verdict.UNDETERMINED
    ok = check_pace_cam(cam, infos, SignerOutcome(True, True))
    assert ok.verdict is Verdict.SUCCESSFUL and ok.reason is Reason.OK
    bad = replace(cam, ca_ic=(int.from_bytes(cam.ca_ic, "big") + 1).to_bytes(32, "big"))
    assert check_cam_data(key, bad.ca_ic, bad.pk_map_ic).consistent is False
    assert check_pace_cam(bad, infos, SignerOutcome(True, True)).reason is Reason.CAM_DATA_INVALID


def test_i1_missing_encrypted_ca_data_is_a_protocol_error():
    from cccd_chip.errors import ProtocolError

    script = [(None, b"\x90\x00")] + [(None, h(A[f"ga{n}_response"])) for n in (1, 2, 3)]
    script.append((None, bytes.fromhex("7C0A86088596CF055C67C1A39000")))
    ch = ScriptedChannel(script)
    info = si.parse(b"\x31\x14" + h(I["pace_info"])).pace_infos[0]
    with pytest.raises(ProtocolError) as e:
        perform_pace(ch, info, Password("MRZ", I["mrz_information"].encode()),
                     FeedRng(h(I["sk_map_ifd"]), h(I["sk_ka_ifd"])))
    assert "step 4" in e.value.step and ch.sm is None
