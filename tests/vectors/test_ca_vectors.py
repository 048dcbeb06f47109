"""Chip Authentication against the BSI worked example (test_vectors/ca.json): key agreement, KDF,
authentication token, and the virtual chip's side of the same agreement."""

from __future__ import annotations

import pytest

from cccd_chip.access.pace import protocol, symmetric
from cccd_chip.crypto import domain_params as dp
from cccd_chip.crypto.kdf import kdf
from cccd_chip.emulator import ca_card

from testsupport.pace_helpers import h, vectors

CA = vectors("ca")


@pytest.mark.parametrize("v", CA, ids=lambda v: v["id"])
def test_bsi_ca_values(v):
    i, e = v["inputs"], v["expected"]
    d = dp.standard(13 if "ECDH" in v["id"].upper() else 0)
    pk_picc = d.decode(h(i["pk_picc_static"]))
    assert d.mul_gen(int(i["sk_picc_static"], 16)) == pk_picc
    sk_pcd = int(i["sk_pcd_ephemeral"], 16)
    pk_pcd = d.mul_gen(sk_pcd)
    assert int.from_bytes(d.encode(pk_pcd), "big") == int(i["pk_pcd_ephemeral"], 16)
    K = d.shared_secret(sk_pcd, pk_picc)
    assert K.hex().upper() == e["shared_secret_K"]
    assert K == d.shared_secret(int(i["sk_picc_static"], 16), pk_pcd)
    r = h(i["nonce_r_picc"])
    kenc, kmac = kdf(K + r, 1, "AES-128"), kdf(K + r, 2, "AES-128")
    assert (kenc.hex().upper(), kmac.hex().upper()) == (e["kenc"], e["kmac"])
    oid = i["protocol_oid_dotted"]
    assert protocol.token_input(oid, d.public_tag, h(i["pk_pcd_ephemeral"])).hex().upper() == e["token_input_computed"]
    assert protocol.auth_token("AES-128", kmac, oid, d.public_tag, h(i["pk_pcd_ephemeral"])).hex().upper() == e["token_picc"]
    # CA v1 keys are KDF(K) without the nonce; the chip side derives the same
    st = ca_card.CaCardState(ca_card.CardCaKey(None, d, int(i["sk_picc_static"], 16), pk_picc), "AES-128")
    assert ca_card.card_key_agreement(st, h(i["pk_pcd_ephemeral"])) == symmetric.session_keys(K, "AES-128")
