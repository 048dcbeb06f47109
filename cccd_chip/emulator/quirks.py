"""Field quirks: what real chips and PKIs do that ICAO 9303 does not ask for (docs/field-quirks.md).

A quirk is written ``NAME`` or ``NAME:ARG`` (``cccd personalize --quirk``),
stored in card.json ``quirks`` and composes with other quirks and with faults.
Unlike a fault, a quirk is *genuine* behaviour: a reader must accept it, and
the document still verifies. Every quirk has a tampered twin in
tests/quirks/ (the same quirk plus a fault) that must still fail.

Three kinds:

- ``profile``: changes the card's profile before personalisation (AA trailer,
  DG13 nesting, several PACE options, SHA-1 signers, explicit CSCA parameters);
- ``document``: changes files or the SOD at personalisation, the signer
  signing what a real issuer signed (BER SOD, sid variants, several
  certificates, RSASSA-PSS without parameters, DG2 with two faces or a
  JPEG2000 face, negative-modulus DG15, unsorted DG14, EF.COM variants,
  files padded after the TLV);
- ``chip``: the applet answers like some real chips (SELECT MF 6D00, DG3
  6982, short reads, 6282 at the end, Le=00 refused, 6Cxx, BAC refused, the
  SSC convention after bare errors, DER-encoded ECDSA AA signatures).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import UsageError
from ..iso7816 import tlv
from ..iso7816.apdu import CommandApdu
from .spec import Spec, arg_or_default

if TYPE_CHECKING:
    from .applet import Applet, Reply
    from .card_pki import CardPki
    from .faults import StatusFor
    from .profiles import Profile


@dataclass(frozen=True)
class QuirkInfo:
    """One quirk of the catalogue: kind, argument syntax, one-line summary."""

    name: str
    kind: str  # "profile" | "document" | "chip"
    summary: str
    arg: Optional[str] = None  # argument syntax, None when the quirk takes none
    default: Optional[str] = None


_CATALOGUE = (
    # chip behaviour
    QuirkInfo("mf-select-6d00", "chip", "SELECT of the MF answers 6D00 (CCCD)"),
    QuirkInfo("dg3-6982", "chip", "DG3 answers 6982 (EAC-protected, no Terminal Authentication)"),
    QuirkInfo("short-reads", "chip", "READ BINARY answers at most N bytes with 9000 before the end of the file",
              "N", "100"),
    QuirkInfo("eof-6282", "chip", "READ BINARY past the end answers the rest with 6282 (end of file reached)"),
    QuirkInfo("le00-refused", "chip", "READ BINARY with Le=00 (256) is refused with SW (6700)", "SW", "6700"),
    QuirkInfo("le-limit", "chip", "READ BINARY with Le > N is refused with 6700", "N", "192"),
    QuirkInfo("eof-6cxx", "chip", "READ BINARY past the end answers 6Cxx with the bytes left"),
    QuirkInfo("bac-refused", "chip", "BAC (GET CHALLENGE / EXTERNAL AUTHENTICATE) refused with SW (6A88)", "SW",
              "6A88"),
    QuirkInfo("ssc-counts-bare-errors", "chip", "the chip counts a bare error status word in its SSC"),
    QuirkInfo("aa-ecdsa-der", "chip", "INTERNAL AUTHENTICATE answers an ECDSA signature in DER, not plain r||s"),
    # documents / PKI
    QuirkInfo("sod-ber", "document", "EF.SOD in BER: indefinite lengths, eContent in N-byte segments", "N", "64"),
    QuirkInfo("sod-indefinite", "document", "EF.SOD's own TLV (tag 77) with the indefinite length too, CMS in BER"),
    QuirkInfo("sid-rdn-reordered", "document", "SignerInfo issuer name with its RDNs in another order"),
    QuirkInfo("sid-name-variant", "document", "SignerInfo issuer name in PrintableString, other case and spaces"),
    QuirkInfo("sid-ski", "document", "SignerInfo v3 naming the DSC by subjectKeyIdentifier"),
    QuirkInfo("sod-several-certs", "document", "EF.SOD carries the DSC, the CSCA and an unrelated certificate"),
    QuirkInfo("pss-params-absent", "document", "RSASSA-PSS SOD signature with absent parameters (SHA-1 defaults)"),
    QuirkInfo("dg2-several-faces", "document", "DG2 with two face images"),
    QuirkInfo("dg2-jpeg2000", "document", "DG2 face image in JPEG 2000 (JP2)"),
    QuirkInfo("dg15-negative-modulus", "document", "DG15 RSA modulus DER-encoded as a negative INTEGER"),
    QuirkInfo("dg14-unsorted", "document", "DG14 SecurityInfos not in DER SET order"),
    QuirkInfo("com-lists-absent", "document", "EF.COM lists a data group the chip does not have", "DGn", "DG11"),
    QuirkInfo("com-extra-tags", "document", "EF.COM lists tags of no known data group"),
    QuirkInfo("no-com", "document", "no EF.COM (LDS 1.8)"),
    QuirkInfo("files-padded", "document", "data group files padded with FF after their TLV"),
    # profile
    QuirkInfo("aa-trailer", "profile", "RSA AA with the implicit (BC, SHA-1) or an explicit (xx CC) trailer",
              "implicit|sha224|sha256|sha384|sha512", "implicit"),
    QuirkInfo("dg13-nesting", "profile", "CCCD DG13 parents' names nested (B) or flat (A)", "A|B", "B"),
    QuirkInfo("several-pace", "profile", "EF.CardAccess offers a second PACE option (GM on P-256)"),
    QuirkInfo("eac2", "profile", "Terminal Authentication version 2 (TR-03110 v2 ePassport: after PACE, before "
              "CA; the PACE result names the chip's CVCA)"),
    QuirkInfo("sha1-signers", "profile", "DSC certificate and SOD signed with SHA-1"),
    QuirkInfo("explicit-csca", "profile", "CSCA key with explicit EC domain parameters"),
)
QUIRKS: dict[str, QuirkInfo] = {q.name: q for q in _CATALOGUE}
_DG = re.compile(r"^DG([1-9]|1[0-6])$")


QuirkSpec = Spec  # a quirk as written (NAME or NAME:ARG), the same type as a fault's
#: The argument of a quirk given without one: the catalogue's defaults, the only place they live.
DEFAULT_ARGS: dict[str, Optional[str]] = {q.name: q.default for q in _CATALOGUE}


def arg_value(spec: Spec) -> str:
    """The argument of quirk ``spec``, or the catalogue's default."""
    return arg_or_default(spec, DEFAULT_ARGS, what="quirk")


def parse(text: str) -> Spec:
    """``NAME`` or ``NAME:ARG``, validated."""
    spec = Spec.from_text(text)
    _validate(spec)
    return spec


def parse_specs(items: Iterable[object]) -> list[Spec]:
    out = [Spec.from_json(x, what="quirk") for x in items]
    for q in out:
        _validate(q)
    names = [q.name for q in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise UsageError(f"quirk given twice: {', '.join(sorted(dup))}")
    return out


def _validate(q: QuirkSpec) -> None:
    info = QUIRKS.get(q.name)
    if info is None:
        raise UsageError(f"unknown quirk {q.name!r} (known: {', '.join(QUIRKS)})")
    a = q.arg
    if a is None:
        return
    if info.arg is None:
        raise UsageError(f"quirk {q.name} takes no argument")
    if info.arg == "N" and not (a.isdigit() and 1 <= int(a) <= 65535):
        raise UsageError(f"quirk {q.name} takes a number (1..65535)")
    if info.arg == "SW" and not re.match(r"^[0-9A-Fa-f]{4}$", a):
        raise UsageError(f"quirk {q.name} takes a status word, e.g. {info.default}")
    if info.arg == "DGn" and not _DG.match(a):
        raise UsageError(f"quirk {q.name} takes a data group name (DG1..DG16)")
    if "|" in info.arg and a not in info.arg.split("|"):
        raise UsageError(f"quirk {q.name} takes one of {info.arg}")


def names_of(specs: Iterable[QuirkSpec]) -> dict[str, QuirkSpec]:
    return {q.name: q for q in specs}


def help_text() -> str:
    """One line per quirk, for ``cccd personalize --help`` and docs/emulator.md."""
    return "; ".join(f"{q.name}{':' + q.arg if q.arg else ''}" for q in _CATALOGUE)


# --- profile quirks ---------------------------------------------------------------------


def adjust_profile(p: "Profile", specs: Iterable[QuirkSpec]) -> "Profile":
    """The profile with the profile quirks applied; UsageError when a quirk does not fit it."""
    from .card_pki import SignerSpec
    from .profiles import AaSpec, PaceSpec

    q = names_of(specs)
    if "aa-trailer" in q:
        if p.aa is None or not p.aa.key_spec.startswith("rsa"):
            raise UsageError(f"quirk aa-trailer needs an RSA Active Authentication key (profile {p.name})")
        v = arg_value(q["aa-trailer"])
        p = dataclasses.replace(p, aa=AaSpec(p.aa.key_spec, "sha1" if v == "implicit" else v))
    if "dg13-nesting" in q:
        if 13 not in p.data_groups:
            raise UsageError(f"quirk dg13-nesting needs DG13 (profile {p.name})")
        p = dataclasses.replace(p, dg13_layout=arg_value(q["dg13-nesting"]))
    if "several-pace" in q:
        if not p.pace:
            raise UsageError(f"quirk several-pace needs a PACE profile (profile {p.name})")
        extra = PaceSpec("GM", "ECDH", "AES-128", 12)
        if extra not in p.pace:
            p = dataclasses.replace(p, pace=p.pace + (extra,))
    if "sha1-signers" in q:
        p = dataclasses.replace(p, csca=SignerSpec(p.csca.key_spec, p.csca.scheme, "sha1"),
                                dsc=SignerSpec(p.dsc.key_spec, p.dsc.scheme, "sha1"))
    if "explicit-csca" in q:
        if p.csca.key_spec.startswith("rsa"):
            raise UsageError(f"quirk explicit-csca needs an EC CSCA (profile {p.name})")
        p = dataclasses.replace(p, explicit_csca=True)
    if "dg3-6982" in q and 3 not in p.data_groups:
        raise UsageError(f"quirk dg3-6982 needs DG3 (profile {p.name})")
    if "dg15-negative-modulus" in q and (p.aa is None or not p.aa.key_spec.startswith("rsa")):
        raise UsageError(f"quirk dg15-negative-modulus needs an RSA AA key (profile {p.name})")
    if "pss-params-absent" in q and not p.dsc.key_spec.startswith("rsa"):
        raise UsageError(f"quirk pss-params-absent needs an RSA DSC (profile {p.name})")
    if "aa-ecdsa-der" in q and (p.aa is None or p.aa.key_spec.startswith("rsa")):
        raise UsageError(f"quirk aa-ecdsa-der needs an ECDSA AA key (profile {p.name})")
    if "eac2" in q:
        if not p.pace or p.ca is None or not p.eac_data_groups:
            raise UsageError(f"quirk eac2 needs PACE, Chip Authentication and an EAC-protected DG (profile {p.name})")
        p = dataclasses.replace(p, ta_info=True, ta_version=2)
    if "bac-refused" in q and not p.pace:
        raise UsageError(f"quirk bac-refused needs a PACE profile (profile {p.name})")
    return p


# --- document quirks -------------------------------------------------------------------


def before_sod(files: dict[str, bytes], specs: Iterable[QuirkSpec], *, seed: int) -> None:
    """Change data groups and EF.COM before they are hashed into the SOD (the issuer signs them)."""
    q = names_of(specs)
    if "dg2-several-faces" in q and "DG2" in files:
        files["DG2"] = _dg2_faces(files["DG2"], seed, jp2=False, two=True)
    if "dg2-jpeg2000" in q and "DG2" in files:
        files["DG2"] = _dg2_faces(files["DG2"], seed, jp2=True, two="dg2-several-faces" in q)
    if "dg15-negative-modulus" in q and "DG15" in files:
        files["DG15"] = tlv.encode(0x6F, negative_modulus_spki(tlv.decode_one(files["DG15"]).value))
    if "dg14-unsorted" in q and "DG14" in files:
        files["DG14"] = _unsorted_dg14(files["DG14"])
    if "COM" in files and ("com-lists-absent" in q or "com-extra-tags" in q):
        from ..lds import com, registry

        value = com.parse(files["COM"])
        tags = list(value.tags)
        if "com-lists-absent" in q:
            tag = registry.tag_for_dg(int(arg_value(q["com-lists-absent"])[2:]))
            if tag not in tags:
                tags.append(tag)
        if "com-extra-tags" in q:
            tags += [0x71, 0x7E]  # no DG has these tags (a CN passport listed tags beyond DG16)
        files["COM"] = com.build(com.Com(value.lds_version, value.unicode_version, tuple(tags)))


def sod_overrides(specs: Iterable[QuirkSpec], pki: "CardPki", args: dict[str, Any], *, label: str) -> dict[str, Any]:
    """Keyword arguments for ``lds.sod.build_sod`` (sid, extra certificates, PSS defaults)."""
    from ..lds import oids
    from . import determinism as det

    q = names_of(specs)
    out: dict[str, Any] = {}
    if "sid-ski" in q:
        out["sid"] = "ski"
    elif {"sid-rdn-reordered", "sid-name-variant"} & set(q):
        out["sid"] = "issuer_serial"
    if "sod-several-certs" in q:
        out["extra_certificates"] = [pki.csca.cert_der, _unrelated_certificate()]
    if "pss-params-absent" in q:
        key = pki.dsc.key
        if not isinstance(key, rsa.RSAPrivateKey):
            raise UsageError("quirk pss-params-absent needs an RSA DSC")
        rng = det.Drbg(f"pss-default-salt|{label}")
        out.update(signer=lambda data: det.pss_sign(key, data, "sha1", rng(20)),
                   signature_alg_oid=oids.RSASSA_PSS, signature_params_der=None)
    del args
    return out


def after_sod(sod_raw: bytes, specs: Iterable[QuirkSpec], pki: "CardPki") -> bytes:
    """Re-encode the signed SOD the way some issuers store it (unsigned framing only)."""
    from ..lds import ber, sod

    q = names_of(specs)
    if {"sid-rdn-reordered", "sid-name-variant"} & set(q):
        value = sod.parse(sod_raw)
        si = value.signed_data.signer_infos[0]
        assert si.sid_issuer is not None
        name = si.sid_issuer
        if "sid-rdn-reordered" in q:
            name = reorder_rdns(name)
        if "sid-name-variant" in q:
            name = name_variant(name)
        sd = dataclasses.replace(value.signed_data, signer_infos=(dataclasses.replace(si, sid_issuer=name),))
        sod_raw = sod.build(dataclasses.replace(value, signed_data=sd))
    if "sod-indefinite" in q:  # US passports: 77 80 ... 00 00, the reader reads to the end of the file
        certs = frozenset(sod.parse(sod_raw).signed_data.certificates)
        inner = tlv.decode_one(sod_raw, expected_tag=0x77).value
        return b"\x77\x80" + ber.indefinite(inner, verbatim=certs, segment=100) + b"\x00\x00"
    if "sod-ber" in q:
        # the CMS ContentInfo in BER; the LDS wrapper (tag 77) keeps its definite length, which
        # is what tells a reader how many bytes EF.SOD has (ICAO 9303-10 §4.6.2)
        certs = frozenset(sod.parse(sod_raw).signed_data.certificates)
        inner = tlv.decode_one(sod_raw, expected_tag=0x77).value
        sod_raw = tlv.encode(0x77, ber.indefinite(inner, verbatim=certs, segment=int(arg_value(q["sod-ber"]))))
    return sod_raw


def finish(files: dict[str, bytes], specs: Iterable[QuirkSpec]) -> None:
    """Last changes to the card's files (after signing and after data faults)."""
    q = names_of(specs)
    if "files-padded" in q:
        for name in list(files):
            if name.startswith("DG"):
                files[name] = files[name] + b"\xFF" * 32
    if "no-com" in q:
        files.pop("COM", None)


# --- document helpers (also used by tests/quirks) ----------------------------------------------


def negative_modulus_spki(spki: bytes) -> bytes:
    """The RSA SubjectPublicKeyInfo with its modulus DER-encoded as a negative INTEGER (leading 00 dropped)."""
    from ..lds._der import children, der, der_seq

    (_, _, vs, ve), = children(spki, 0, len(spki))
    alg, bits = children(spki, vs, ve)
    key = spki[bits[2] + 1 : bits[3]]
    (_, _, ks, ke), = children(key, 0, len(key))
    n, e = children(key, ks, ke)
    modulus = key[n[2] : n[3]]
    if not (len(modulus) > 1 and modulus[0] == 0 and modulus[1] & 0x80):
        raise UsageError("the RSA modulus does not need a leading 00; nothing to drop")
    rsa_key = der_seq(der(0x02, modulus[1:]) + key[e[1] : e[3]])
    return der_seq(spki[alg[1] : alg[3]] + der(0x03, b"\x00" + rsa_key))


def reorder_rdns(name_der: bytes) -> bytes:
    """The Name with its RDN sequence reversed."""
    from ..lds._der import children, der_seq

    (_, _, vs, ve), = children(name_der, 0, len(name_der))
    rdns = [name_der[p:e] for _, p, _, e in children(name_der, vs, ve)]
    return der_seq(b"".join(reversed(rdns)))


def name_variant(name_der: bytes) -> bytes:
    """The Name with every DirectoryString as PrintableString-compatible text in upper case with extra spaces.

    RFC 5280 §7.1 (RFC 4518 preparation) makes it equal to the original.
    """
    from ..lds._der import children, der, der_seq

    (_, _, vs, ve), = children(name_der, 0, len(name_der))
    out = []
    for _, _, rs, re_ in children(name_der, vs, ve):
        atvs = []
        for _, _, as_, ae in children(name_der, rs, re_):
            (t_oid, t_p, t_vs, t_ve), (v_tag, v_p, v_vs, v_ve) = children(name_der, as_, ae)
            text = name_der[v_vs:v_ve].decode("utf-8", "replace").upper()
            printable = text.isascii() and all(c.isalnum() or c in " '()+,-./:=?" for c in text)
            if v_tag in (0x0C, 0x13, 0x14) and printable:
                if name_der[t_p:t_ve] == b"\x06\x03\x55\x04\x06":  # countryName: 2 letters, kept short
                    value = der(0x13, text.encode())
                else:
                    value = der(0x13, (" " + text.replace(" ", "  ") + " ").encode())
            else:
                value = name_der[v_p:v_ve]
            atvs.append(der_seq(name_der[t_p:t_ve] + value))
        out.append(der(0x31, b"".join(atvs)))
    return der_seq(b"".join(out))


def _unrelated_certificate() -> bytes:
    from .card_pki import SignerSpec, make_csca

    return make_csca("ZZ", SignerSpec("p256", "ecdsa", "sha256"), label="quirk-unrelated").cert_der


def _unsorted_dg14(raw: bytes) -> bytes:
    from ..lds import dg14

    infos = list(dg14.parse(raw).security_infos.infos)
    return dg14.make(list(reversed(infos)), der_sort=False).raw


def _dg2_faces(raw: bytes, seed: int, *, jp2: bool, two: bool) -> bytes:
    from ..lds import dg2, face
    from .face_synth import face_jpeg

    first = dg2.parse(raw).faces[0]
    images = [first]
    if two:
        images.append(dataclasses.replace(first, image=face_jpeg(seed + 7919)))
    if jp2:
        images = [dataclasses.replace(im, image=_to_jp2(im.image), image_data_type=1) for im in images]
    del face
    return dg2.make(images).raw


def _to_jp2(jpeg: bytes) -> bytes:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as im:
        out = io.BytesIO()
        im.convert("RGB").save(out, format="JPEG2000", irreversible=True, quality_mode="rates",
                               quality_layers=[40])
        return out.getvalue()


# --- chip quirks (runtime hooks of the applet) ----------------------------------------------


def _is_read(cmd: CommandApdu) -> bool:
    return cmd.ins in (0xB0, 0xB1)


class _ReadReply:
    """Helpers for READ BINARY replies (B1 data is wrapped in DO'53')."""

    @staticmethod
    def data(cmd: CommandApdu, reply: "Reply") -> bytes:
        if cmd.ins == 0xB1 and reply.data:
            return tlv.decode_one(reply.data).value
        return reply.data

    @staticmethod
    def with_data(cmd: CommandApdu, reply: "Reply", data: bytes, sw: int) -> "Reply":
        if cmd.ins == 0xB1:
            data = tlv.encode(0x53, data)
        return dataclasses.replace(reply, data=data, sw=sw)


class MfSelect6D00:
    def alter_reply(self, app: "Applet", cmd: CommandApdu, reply: "Reply") -> "Reply":
        from .applet import Reply

        if cmd.ins == 0xA4 and cmd.p1 == 0x00 and cmd.data in (b"", b"\x3F\x00"):
            return Reply(sw=0x6D00)
        return reply


class ShortReads:
    def __init__(self, n: int) -> None:
        self.n = n

    def alter_reply(self, app: "Applet", cmd: CommandApdu, reply: "Reply") -> "Reply":
        if _is_read(cmd) and reply.sw in (0x9000, 0x6282):
            data = _ReadReply.data(cmd, reply)
            if len(data) > self.n:
                return _ReadReply.with_data(cmd, reply, data[: self.n], 0x9000)
        return reply


class EndOfFile:
    """6282 (``mode`` "6282") or 6Cxx ("6cxx") when fewer than Le bytes remain."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def alter_reply(self, app: "Applet", cmd: CommandApdu, reply: "Reply") -> "Reply":
        from .applet import Reply

        if not _is_read(cmd) or reply.sw != 0x9000:
            return reply
        data = _ReadReply.data(cmd, reply)
        le = cmd.le or 256
        if len(data) >= le or not data:
            return reply
        if self.mode == "6282":
            return _ReadReply.with_data(cmd, reply, data, 0x6282)
        if cmd.ins == 0xB0 and len(data) < 256:
            return Reply(sw=0x6C00 | len(data))
        return reply


class LeRefused:
    """READ BINARY with Le in ``refused`` (or above ``limit``) answers ``sw``."""

    def __init__(self, sw: int, *, only_256: bool, limit: int = 65536) -> None:
        self.sw, self.only_256, self.limit = sw, only_256, limit

    def alter_reply(self, app: "Applet", cmd: CommandApdu, reply: "Reply") -> "Reply":
        from .applet import Reply

        if not _is_read(cmd):
            return reply
        le = cmd.le or 256
        if (self.only_256 and le == 256) or (not self.only_256 and le > self.limit):
            return Reply(sw=self.sw)
        return reply


class BacRefused:
    def __init__(self, sw: int) -> None:
        self.sw = sw

    def alter_reply(self, app: "Applet", cmd: CommandApdu, reply: "Reply") -> "Reply":
        from .applet import Reply

        if cmd.ins in (0x84, 0x82) and app.state.sm is None and app.state.extra.get("pace") is None:
            return Reply(sw=self.sw)
        return reply


class AaEcdsaDer:
    def alter_reply(self, app: "Applet", cmd: CommandApdu, reply: "Reply") -> "Reply":
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        if cmd.ins == 0x88 and reply.sw == 0x9000 and reply.data and len(reply.data) % 2 == 0:
            half = len(reply.data) // 2
            r, s = int.from_bytes(reply.data[:half], "big"), int.from_bytes(reply.data[half:], "big")
            return dataclasses.replace(reply, data=encode_dss_signature(r, s))
        return reply


def _status_for(sw: int, file: str) -> "StatusFor":
    from .faults import StatusFor

    return StatusFor(sw, file)


_RUNTIME: dict[str, Callable[[QuirkSpec], object]] = {
    "mf-select-6d00": lambda q: MfSelect6D00(),
    "dg3-6982": lambda q: _status_for(0x6982, "DG3"),
    "short-reads": lambda q: ShortReads(int(arg_value(q))),
    "eof-6282": lambda q: EndOfFile("6282"),
    "eof-6cxx": lambda q: EndOfFile("6cxx"),
    "le00-refused": lambda q: LeRefused(int(arg_value(q), 16), only_256=True),
    "le-limit": lambda q: LeRefused(0x6700, only_256=False, limit=int(arg_value(q))),
    "bac-refused": lambda q: BacRefused(int(arg_value(q), 16)),
    "aa-ecdsa-der": lambda q: AaEcdsaDer(),
}


def install(applet: "Applet") -> None:
    """Attach the card's chip quirks (card.json ``quirks``) to ``applet`` (plugins.MODULES)."""
    for raw in getattr(applet.card, "quirks", ()):
        q = Spec.from_json(raw, what="quirk")
        _validate(q)
        if q.name == "ssc-counts-bare-errors":
            applet.counts_bare_errors = True
            continue
        make = _RUNTIME.get(q.name)
        if make is not None:
            applet.faults.append(make(q))


__all__ = ["QUIRKS", "QuirkInfo", "QuirkSpec", "parse", "parse_specs", "adjust_profile", "before_sod",
           "sod_overrides", "after_sod", "finish", "install", "help_text", "negative_modulus_spki",
           "reorder_rdns", "name_variant"]
