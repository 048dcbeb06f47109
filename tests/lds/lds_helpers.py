"""Throw-away signer certificates for LDS tests (generated per session)."""

from __future__ import annotations

import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID


def _cert(key, *, ski: bool = True) -> bytes:
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Test DS"),
    ])
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    b = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1234567890)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
    )
    if ski:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@lru_cache(maxsize=None)
def ec_signer():
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    return key, _cert(key)


@lru_cache(maxsize=None)
def rsa_signer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, _cert(key, ski=False)


def sign_ecdsa(key):
    return lambda data: key.sign(data, ec.ECDSA(hashes.SHA256()))


def sign_pkcs1(key):
    return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def sign_pss(key):
    return lambda data: key.sign(
        data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    )


def image_bytes(fmt: str, size=(24, 32), colour=(180, 120, 90)) -> bytes:
    """A tiny JPEG / JP2 / J2K image made with Pillow."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    im = Image.new("RGB", size, colour)
    if fmt == "JPEG":
        im.save(buf, "JPEG")
    elif fmt == "JP2":
        im.save(buf, "JPEG2000")
    elif fmt == "J2K":
        im.save(buf, "JPEG2000", no_jp2=True)
    else:
        raise ValueError(fmt)
    return buf.getvalue()
