"""Named, composable faults of the virtual chip (robustness-catalogue §1).

A fault is written ``NAME`` or ``NAME:ARG`` (``cccd personalize --fault``)
and stored in card.json as ``{"name": NAME, "arg": ARG}``. Faults compose:
a card may carry several. Two kinds:

*Data faults* change the card's files or PKI at personalisation time (one
object changed, everything else valid and signed - the B51 method):

==================== ======================================= ===========================
name[:arg]           what changes                            the host should see
==================== ======================================= ===========================
dg-altered[:DGn]     one byte of DGn after signing (DG1)     PA failed: hash of DGn
dg-not-in-sod[:DGn]  the SOD has no hash for DGn (DG2)       PA failed/undetermined DGn
extra-dg[:DG11]      a DG on the card and in COM, not in SOD PA: DG not covered
huge-length[:DGn]    DGn's outer length says 0x7FFFFFF0      ParseError (exit 6)
sod-signature-broken one bit of the SOD signature            PA failed: signature
dsc-expired          the DSC expired (2015-20; vn: 2023)     PA failed: DSC validity
dsc-not-yet-valid    the DSC is valid from 2040              PA failed: DSC validity
csca-unknown         the DSC chains to another CSCA          PA failed/undetermined: chain
dsc-revoked          csca.crl lists the DSC                   PA failed: DSC revoked
ca-key-mismatch      chip CA key differs from DG14 (clone)   CA failed (SM error after CA)
pace-domain:NAME     PACE on an explicit domain (attack_      refused unless allowed;
                     domains.NAMES), CardAccess/DG14/         weak ones always refused
                     CardSecurity alike and signed
ta-is-expired        the inspection system's certificate      TA not attempted (host) /
                     in eac/chain expired in 2022             6A80 (chip): DG3 TA_CHAIN_INVALID
ta-wrong-car         the chip trusts another CVCA (EF.CVCA)   no chain to the chip's CAR:
                     than the one eac/chain starts from       DG3 TA_CHAIN_INVALID
ta-dv-no-dg3         the DV certificate grants DG4 only       TA succeeds, DG3 6982:
                                                              TA_RIGHTS_INSUFFICIENT
ta-skipped           the chip serves DG3/DG4 without TA       DG3 read and hash-checked;
                     (an access-control defect)               evidence: read without TA
==================== ======================================= ===========================

*Runtime faults* are applied by the applet (:func:`install`); ``N`` counts
every C-APDU since the card was created, from 1; without ``N`` the fault hits
the first protected READ BINARY:

==================== ============================================ ======================
bad-mac[:N]          wrong response MAC                           SecureMessagingError
no-do99[:N]          response without DO'99'                      SecureMessagingError
sm-drop[:N]          the chip ends the SM session before APDU N   6988 -> SM error
remove:N             the card leaves the field at APDU N          CardRemovedError
sw:XXXX:FILE         SELECT / READ of FILE answers XXXX           per SW (6A82: absent)
ext-sw:XXXX          every unprotected extended C-APDU answers    extended length off,
                     XXXX (a chip refusing the probe, e.g. 6F00)  files read short
drip:N               READ BINARY answers at most N bytes (after   aborted (drip feed)
                     the first answer of each file)
big-file[:DGn]       DGn (DG2) declares ~1 MiB, padded with zeros APDU budget per file
slow:MS              the chip takes MS milliseconds per APDU      time budget
aa-wrong-signature   INTERNAL AUTHENTICATE answers a bad sig.     AA failed
==================== ============================================ ======================
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Optional

from ..errors import UsageError
from ..iso7816.apdu import CommandApdu
from .spec import Spec, arg_or_default

if TYPE_CHECKING:
    from .applet import Applet, Reply
    from .profiles import Profile

DATA_FAULTS = ("dg-altered", "dg-not-in-sod", "extra-dg", "huge-length", "sod-signature-broken")
PKI_FAULTS = ("dsc-expired", "dsc-not-yet-valid", "csca-unknown", "dsc-revoked")
KEY_FAULTS = ("ca-key-mismatch", "pace-domain")
EAC_FAULTS = ("ta-is-expired", "ta-wrong-car", "ta-dv-no-dg3", "ta-skipped")  # emulator/eac_pki.py
RUNTIME_FAULTS = ("bad-mac", "no-do99", "sm-drop", "remove", "sw", "aa-wrong-signature", "ext-sw", "drip",
                  "big-file", "slow")
ALL_FAULTS = DATA_FAULTS + PKI_FAULTS + KEY_FAULTS + EAC_FAULTS + RUNTIME_FAULTS
_DG = re.compile(r"^DG([1-9]|1[0-6])$")


FaultSpec = Spec  # a fault as written (NAME or NAME:ARG), the same type as a quirk's

#: The argument of a fault given without one (the tables above); the only place these defaults live.
DEFAULT_ARGS: dict[str, Optional[str]] = {"dg-altered": "DG1", "dg-not-in-sod": "DG2", "extra-dg": "DG11",
                                          "huge-length": "DG2", "big-file": "DG2"}


def arg_value(spec: Spec) -> str:
    """The argument of fault ``spec``, or its default (:data:`DEFAULT_ARGS`)."""
    return arg_or_default(spec, DEFAULT_ARGS, what="fault")


def parse(text: str) -> Spec:
    """``NAME`` or ``NAME:ARG``, validated."""
    spec = Spec.from_text(text)
    _validate(spec)
    return spec


def parse_specs(items: Iterable[object]) -> list[Spec]:
    out = [Spec.from_json(x, what="fault") for x in items]
    for f in out:
        _validate(f)
    return out


def _validate(f: FaultSpec) -> None:
    if f.name not in ALL_FAULTS:
        raise UsageError(f"unknown fault {f.name!r} (known: {', '.join(ALL_FAULTS)})")
    a = f.arg
    if f.name in ("dg-altered", "dg-not-in-sod", "huge-length"):
        if a is not None and not _DG.match(a):
            raise UsageError(f"fault {f.name} takes a data group name (DG1..DG16)")
    elif f.name == "extra-dg":
        if a not in (None, "DG11"):
            raise UsageError("fault extra-dg supports DG11")
    elif f.name in ("bad-mac", "no-do99", "sm-drop"):
        if a is not None and not a.isdigit():
            raise UsageError(f"fault {f.name} takes an APDU number")
    elif f.name == "remove":
        if a is None or not a.isdigit() or int(a) < 1:
            raise UsageError("fault remove needs the APDU number: remove:N")
    elif f.name == "sw":
        m = re.match(r"^([0-9A-Fa-f]{4}):(\w+)$", a or "")
        if not m:
            raise UsageError("fault sw needs SW and file: sw:6A82:DG2")
    elif f.name == "pace-domain":
        from .attack_domains import NAMES

        if a not in NAMES:
            raise UsageError(f"fault pace-domain needs a domain name ({', '.join(NAMES)})")
    elif f.name in ("drip", "slow"):
        if a is None or not a.isdigit() or not 0 < int(a) <= 100000:
            raise UsageError(f"fault {f.name} needs a positive number: {f.name}:N")
    elif f.name == "big-file":
        if a is not None and not _DG.match(a):
            raise UsageError("fault big-file takes a data group name (DG1..DG16)")
    elif f.name == "ext-sw":
        if not re.match(r"^[0-9A-Fa-f]{4}$", a or ""):
            raise UsageError("fault ext-sw needs a status word: ext-sw:6F00")
    elif a is not None:
        raise UsageError(f"fault {f.name} takes no argument")


def arg_of(specs: Iterable[Spec], name: str) -> Optional[str]:
    """The argument of fault ``name`` (its default when given without one); None when absent."""
    for f in specs:
        if f.name == name:
            return arg_value(f)
    return None


def check_applicable(specs: Iterable[FaultSpec], profile: "Profile") -> None:
    """Refuse faults the profile cannot carry (e.g. a DG the profile has not)."""
    dgs = {f"DG{n}" for n in profile.data_groups}
    for f in specs:
        if f.name in ("dg-altered", "dg-not-in-sod", "huge-length"):
            dg = arg_value(f)
            if dg not in dgs:
                raise UsageError(f"profile {profile.name} has no {dg} (fault {f})")
        if f.name == "pace-domain" and not any(x.mapping == "GM" for x in profile.pace):
            raise UsageError(f"profile {profile.name} has no PACE-GM to move to an explicit domain")
        if f.name == "ca-key-mismatch" and profile.ca is None:
            raise UsageError(f"profile {profile.name} has no Chip Authentication key")
        if f.name in EAC_FAULTS and not profile.eac_data_groups:
            raise UsageError(f"profile {profile.name} has no EAC-protected data group (fault {f})")
        if f.name == "aa-wrong-signature" and profile.aa is None:
            raise UsageError(f"profile {profile.name} has no Active Authentication key")
        if f.name == "extra-dg" and "DG11" in dgs:
            raise UsageError(f"profile {profile.name} already has DG11")


# --- runtime faults -----------------------------------------------------------------


class _AtApdu:
    """Fires at APDU ``n`` or, without ``n``, at the first protected READ BINARY."""

    def __init__(self, n: Optional[int]) -> None:
        self.n = n
        self.fired = False

    def hit(self, app: "Applet", cmd: Optional[CommandApdu]) -> bool:
        if self.fired:
            return False
        if self.n is not None:
            ok = app.apdu_index == self.n
        else:
            ok = cmd is not None and cmd.ins in (0xB0, 0xB1) and app.state.sm is not None
        if ok:
            self.fired = True
        return ok


class BadMac(_AtApdu):
    def wrap_options(self, app: "Applet", cmd: Optional[CommandApdu]) -> Optional[dict[str, bool]]:
        return {"corrupt_mac": True} if self.hit(app, cmd) else None


class NoDo99(_AtApdu):
    def wrap_options(self, app: "Applet", cmd: Optional[CommandApdu]) -> Optional[dict[str, bool]]:
        return {"omit_do99": True} if self.hit(app, cmd) else None


class SmDrop(_AtApdu):
    def before_command(self, app: "Applet", raw: bytes) -> Optional[bytes]:
        cmd = None
        if self.n is None:
            if len(raw) >= 2 and raw[1] in (0xB0, 0xB1) and raw[0] & 0x0C:
                cmd = CommandApdu(raw[0] & ~0x0C & 0xFF, raw[1], 0, 0)
        if self.hit(app, cmd):
            app.drop_session()
        return None


class Remove:
    def __init__(self, n: int) -> None:
        self.n = n

    def before_command(self, app: "Applet", raw: bytes) -> Optional[bytes]:
        if app.apdu_index == self.n:
            app.remove()
            return b""
        return None


class StatusFor:
    """SELECT (by FID) or READ BINARY (by SFI) of one file answers a fixed status word."""

    def __init__(self, sw: int, file: str) -> None:
        self.sw = sw
        self.file = file

    def alter_reply(self, app: "Applet", cmd: CommandApdu, reply: "Reply") -> "Reply":
        from .applet import Reply

        f = app.card.files.get(self.file)
        if f is None:
            return reply
        if cmd.ins == 0xA4 and cmd.p1 in (0x00, 0x02) and len(cmd.data) == 2 and int.from_bytes(cmd.data, "big") == f.fid:
            return Reply(sw=self.sw)
        if cmd.ins == 0xB0 and cmd.p1 & 0x80 and f.sfi is not None and (cmd.p1 & 0x1F) == f.sfi:
            return Reply(sw=self.sw)
        if cmd.ins in (0xB0, 0xB1) and not cmd.p1 & 0x80 and app.state.current is f:
            return Reply(sw=self.sw)
        return reply


class ExtendedRefused:
    """Every unprotected extended-length C-APDU is answered with one status word.

    Some chips refuse an extended APDU they do not support with 6F00, 6D00 or
    6A86 instead of 6700 (ISO/IEC 7816-4 §5.1: extended length is optional).
    """

    def __init__(self, sw: int) -> None:
        self.sw = sw

    def before_command(self, app: "Applet", raw: bytes) -> Optional[bytes]:
        extended = len(raw) >= 7 and raw[4] == 0
        if extended and not raw[0] & 0x0C:
            return self.sw.to_bytes(2, "big")
        return None


class Drip:
    """READ BINARY answers carry at most ``n`` bytes (a chip drip-feeding a large file)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def alter_reply(self, app: "Applet", cmd: CommandApdu, reply: "Reply") -> "Reply":
        from dataclasses import replace

        from ..iso7816 import tlv

        if cmd.ins not in (0xB0, 0xB1) or reply.sw not in (0x9000, 0x6282) or not reply.data:
            return reply
        offset = cmd.p2 if cmd.p1 & 0x80 else ((cmd.p1 & 0x7F) << 8) | cmd.p2
        if cmd.ins == 0xB0 and offset == 0:
            return reply  # the first answer (with the length) in full, the rest drop by drop
        if cmd.ins == 0xB1:
            inner = tlv.decode_one(reply.data, expected_tag=0x53).value
            return replace(reply, data=tlv.encode(0x53, inner[: self.n]), sw=0x9000)
        return replace(reply, data=reply.data[: self.n], sw=0x9000)


BIG_FILE_SIZE = 1024 * 1024 - 64  # under the host's MAX_EF_SIZE: the declared length is believed


class BigFile:
    """DGn declares (almost) 1 MiB: its outer length is rewritten and the value padded with zeros."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.done = False

    def before_command(self, app: "Applet", raw: bytes) -> Optional[bytes]:
        from dataclasses import replace

        from ..iso7816 import tlv

        if not self.done:  # this applet's copy of the card only
            self.done = True
            f = app.card.files.get(self.name)
            if f is not None:
                h = tlv.read_header(f.data, 0)
                value = f.data[h.header_len:] + bytes(max(0, BIG_FILE_SIZE - len(f.data)))
                files = dict(app.card.files)
                files[self.name] = replace(f, data=tlv.encode(h.tag, value))
                app.card = replace(app.card, files=files)
        return None


class Slow:
    """Every APDU takes ``ms`` milliseconds (a chip stalling the host)."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def before_command(self, app: "Applet", raw: bytes) -> Optional[bytes]:
        import time

        time.sleep(self.ms / 1000)
        return None


class WrongAaSignature:
    def alter_reply(self, app: "Applet", cmd: CommandApdu, reply: "Reply") -> "Reply":
        from dataclasses import replace

        if cmd.ins == 0x88 and reply.sw == 0x9000 and reply.data:
            data = bytearray(reply.data)
            data[len(data) // 2] ^= 0x01
            return replace(reply, data=bytes(data))
        return reply


def runtime_fault(spec: FaultSpec) -> Optional[object]:
    """The hook object of a runtime fault; None for data faults."""
    n = int(spec.arg) if spec.arg and spec.arg.isdigit() else None
    if spec.name == "bad-mac":
        return BadMac(n)
    if spec.name == "no-do99":
        return NoDo99(n)
    if spec.name == "sm-drop":
        return SmDrop(n)
    if spec.name == "remove":
        return Remove(int(arg_value(spec)))
    if spec.name == "sw":
        sw, _, file = arg_value(spec).partition(":")
        return StatusFor(int(sw, 16), file)
    if spec.name == "aa-wrong-signature":
        return WrongAaSignature()
    if spec.name == "drip":
        return Drip(int(arg_value(spec)))
    if spec.name == "big-file":
        return BigFile(arg_value(spec))
    if spec.name == "slow":
        return Slow(int(arg_value(spec)))
    if spec.name == "ext-sw":
        return ExtendedRefused(int(arg_value(spec), 16))
    return None


def install(applet: "Applet") -> None:
    """Attach the card's runtime faults (card.json ``faults``) to ``applet``."""
    for raw in applet.card.faults:
        spec = Spec.from_json(raw, what="fault")
        hook = runtime_fault(spec)
        if hook is not None:
            applet.faults.append(hook)
