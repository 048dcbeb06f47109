"""Valid seed files of every LDS type for the fuzz test (built with the lds builders)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec

from cccd_chip.iso7816 import tlv
from cccd_chip.lds import (
    card_access, card_security, cbeff, com, dg1, dg2, dg3, dg4, dg5, dg7, dg11, dg12, dg13, dg15, dg16, finger, iris,
    sod,
)
from cccd_chip.lds.face import FaceImage, FeaturePoint

from lds_helpers import ec_signer, sign_ecdsa

CARD_ACCESS = bytes.fromhex(
    "3134300D060804007F0007020202020101300F060A04007F00070202030202020101"
    "3012060A04007F0007020204020202010202010D"
)


@lru_cache(maxsize=None)
def seeds() -> tuple[tuple[str, bytes], ...]:
    key, cert = ec_signer()
    out: list[tuple[str, bytes]] = []
    out.append(("COM", com.make([1, 2, 3, 13, 14, 15]).raw))
    out.append(("DG1", dg1.make_cccd("079090123456", date_of_birth="900515", sex="M", date_of_expiry="300515",
                                     primary_identifier="TRAN", secondary_identifier="VAN BINH").raw))
    out.append(("DG1", dg1.make("TD3", document_code="P", issuing_state="UTO", document_number="L898902C3",
                                date_of_birth="740812", sex="F", date_of_expiry="120415", nationality="UTO",
                                primary_identifier="ERIKSSON", secondary_identifier="ANNA MARIA").raw))
    out.append(("DG1", dg1.make("TD2", document_code="I", issuing_state="UTO", document_number="D23145890734",
                                date_of_birth="340712", sex="M", date_of_expiry="950712", nationality="UTO",
                                primary_identifier="STEVENSON", secondary_identifier="PETER").raw))
    fake_jpeg = b"\xff\xd8\xff\xe0" + bytes(range(60)) + b"\xff\xd9"
    faces = [FaceImage(gender=1, width=4, height=4, image=fake_jpeg, feature_points=(FeaturePoint(1, 0x51, 1, 2),)),
             FaceImage(image_data_type=1, image=b"\x00\x00\x00\x0cjP  \r\n\x87\n" + bytes(30))]
    out.append(("DG2", dg2.make(faces).raw))
    bit = cbeff.BiometricInfo(cbeff.BiometricHeader(((0x81, b"\x08"),)), b"FIR\x00" + bytes(12))
    out.append(("DG3", cbeff.encode_file(0x63, cbeff.BiometricGroup(1, (bit,)))))
    # 19794-4 finger records (two views, one record each) and 19794-6 iris records (two eyes)
    fake_wsq = b"\xff\xa0\xff\xa8\x00\x04ab\xff\xa1"
    out.append(("DG3", dg3.make([finger.FingerView(2, quality=80, width=8, height=8, image=fake_wsq),
                                 finger.FingerView(7, quality=254, width=8, height=8, image=fake_wsq)]).raw))
    out.append(("DG4", dg4.make([iris.IrisImage(1, image=fake_jpeg), iris.IrisImage(2, 2, 70, image=fake_jpeg)]).raw))
    out.append(("DG5", dg5.make([fake_jpeg]).raw))
    out.append(("DG7", dg7.make([fake_jpeg]).raw))
    out.append(("DG11", dg11.make(full_name="NGUYỄN VĂN A", other_names=["B"], place_of_birth="Hà Nội").raw))
    out.append(("DG12", dg12.make(issuing_authority="Bộ Công an", date_of_issue="20210401",
                                  other_persons=["X"]).raw))
    pd = dg13.CCCDPersonalData(
        id_number="079090123456", full_name="Trần Văn Bình", date_of_birth=dt.date(1990, 5, 15), sex="Nam",
        nationality="Việt Nam", place_of_residence="Phường Bến Nghé, Quận 1", date_of_issue=dt.date(2021, 4, 1),
        date_of_expiry=dt.date(2030, 5, 15), father_name="Trần Văn Cường", mother_name="Lê Thị Dung",
        old_id_number="025123456", field_16="0123456789ABCDEF")
    out.append(("DG13", dg13.build_personal_data(pd, parents_layout="A").raw))
    out.append(("DG13", dg13.build_personal_data(pd, parents_layout="B").raw))
    out.append(("DG14", tlv.encode(0x6E, CARD_ACCESS)))
    spki = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
    out.append(("DG15", dg15.make(spki).raw))
    out.append(("DG16", dg16.make([{"name": "Trần Thị B", "telephone": "0900"}]).raw))
    out.append(("CardAccess", card_access.parse(CARD_ACCESS).raw))
    infos = card_access.parse(CARD_ACCESS).security_infos.infos
    out.append(("CardSecurity", card_security.build_card_security(infos, cert, sign_ecdsa(key))))
    hashes = sod.hash_data_groups({n: b for n, b in ((1, out[1][1]), (2, out[4][1]), (13, out[10][1]))})
    out.append(("SOD", sod.build_sod(hashes, cert, sign_ecdsa(key), version=1,
                                     signing_time=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))))
    return tuple(out)
