"""The chip side of PACE reproduces the worked examples when fed the chip's published randomness."""

from __future__ import annotations

import pytest

from cccd_chip.access.passwords import Password
from cccd_chip.emulator import pace_card
from cccd_chip.errors import ProtocolError
from cccd_chip.iso7816 import tlv
from cccd_chip.lds import security_infos as si

from testsupport.pace_helpers import FeedRng, h, vectors

GM = vectors("pace_gm_ecdh") + vectors("pace_gm_dh")
IM = vectors("pace_im")


def _secret(i):
    if "mrz_information" in i:
        return "MRZ", Password("MRZ", i["mrz_information"].encode()).pace_secret()
    return "CAN", i["password"].encode()


def _infos(i):
    oid = si.oid_from_bytes(h(i["protocol_oid"]))
    return oid, si.SecurityInfos((si.PaceInfo(oid, 2, i["standardized_domain_parameter_id"]),))


def _size(st):
    return (st.domain.order.bit_length() + 7) // 8


@pytest.mark.parametrize("v", GM, ids=lambda v: v["id"])
def test_card_gm_steps_reproduce_the_example(v):
    i, e = v["inputs"], v["expected"]
    oid, infos = _infos(i)
    kind, secret = _secret(i)
    st = pace_card.card_select(infos, oid, kind, secret, None)
    st, z = pace_card.card_nonce(st, FeedRng(h(e["nonce_s"])))
    assert z == h(i["encrypted_nonce_z"])
    q = st.domain.order
    st, pk_map_ic = pace_card.card_map_gm(st, h(e["pk_map_ifd"]).rjust(len(h(i["pk_map_ic"])), b"\x00")
                                          if st.domain.kind == "DH" else h(e["pk_map_ifd"]),
                                          FeedRng((int(i["sk_map_ic"], 16) % q).to_bytes(_size(st), "big")))
    assert int.from_bytes(pk_map_ic, "big") == int(i["pk_map_ic"], 16)
    st, pk_ic = pace_card.card_key_agreement(st, h(e["pk_ka_ifd"]),
                                             FeedRng((int(i["sk_ka_ic"], 16) % q).to_bytes(_size(st), "big")))
    assert int.from_bytes(pk_ic, "big") == int(i["pk_ka_ic"], 16)
    assert (st.k_enc.hex().upper(), st.k_mac.hex().upper()) == (e["ksenc"], e["ksmac"])
    st2, out = pace_card.card_authenticate(st, h(e["token_ifd"]))
    assert tlv.decode(out)[0].value.hex().upper() == e["token_ic"]
    with pytest.raises(ProtocolError) as err:
        pace_card.card_authenticate(st, bytes(8))
    assert err.value.sw == 0x6300


@pytest.mark.parametrize("v", IM, ids=lambda v: v["id"])
def test_card_im_steps_reproduce_the_example(v):
    i, e = v["inputs"], v["expected"]
    oid = i["protocol_oid_dotted"]
    infos = si.SecurityInfos((si.PaceInfo(oid, 2, i["standardized_domain_parameter_id"]),))
    st = pace_card.card_select(infos, oid, "CAN", i["password"].encode(), None)
    st, z = pace_card.card_nonce(st, FeedRng(h(e["nonce_s"])))
    assert z == h(i["encrypted_nonce_z"])
    st, empty = pace_card.card_map_im(st, h(i["nonce_t"]))
    assert empty == b"" and st.mapped.encode(st.mapped.generator) and st.mapped.generator is not None
    sk_ic = i.get("sk_ka_ic") or i["sk_ka_ic_inferred"]
    q = st.domain.order
    st, pk_ic = pace_card.card_key_agreement(st, h(e["pk_ka_ifd"]),
                                             FeedRng((int(sk_ic, 16) % q).to_bytes(_size(st), "big")))
    assert int.from_bytes(pk_ic, "big") == int(i["pk_ka_ic"], 16)
    assert (st.k_enc.hex().upper(), st.k_mac.hex().upper()) == (e["ksenc"], e["ksmac"])
    _, out = pace_card.card_authenticate(st, h(e["token_ifd"]))
    assert tlv.decode(out)[0].value.hex().upper() == e["token_ic"]


def test_card_refuses_out_of_order_steps_and_unknown_protocols():
    v = GM[0]
    i = v["inputs"]
    oid, infos = _infos(i)
    kind, secret = _secret(i)
    with pytest.raises(ProtocolError) as e:
        pace_card.card_select(infos, "0.4.0.127.0.7.2.2.4.2.4", kind, secret, None)
    assert e.value.sw == 0x6A80
    st = pace_card.card_select(infos, oid, kind, secret, None)
    with pytest.raises(ProtocolError):
        pace_card.card_key_agreement(st, h(i["pk_ka_ic"]), FeedRng(b"\x01"))
