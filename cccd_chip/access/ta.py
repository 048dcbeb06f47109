"""Terminal Authentication driver: the pure steps of :mod:`cccd_chip.eac.ta` over a channel.

``perform_ta(channel, terminal, context)`` runs, under the secure messaging the reader
installed (BAC / PACE, then Chip Authentication for TA version 1), BSI TR-03110-3
§B.3 / §B.11:

1. choose the certificates the chip does not trust yet: the shortest path from a
   trust point the chip names (EF.CVCA, or the CARs of the PACE result) to the
   terminal certificate whose key the signer holds (:func:`eac.chain.find_path`);
2. check that path offline when the folder holds the chip's CVCA certificate
   (signatures, roles, dates at the host's date): a chain known to be broken or
   expired is never sent;
3. per certificate MSE:Set DST (its CAR) + PSO:Verify Certificate;
4. MSE:Set AT (the terminal's CHR; TA v2 adds the id-TA OID and Comp(PK_PCD));
5. GET CHALLENGE -> r_PICC; EXTERNAL AUTHENTICATE with
   Sign(SK_PCD, ID_PICC || r_PICC || Comp(PK_PCD) || aux).

It returns a frozen :class:`TaResult` (no verdict: what the chip accepted, what was
sent, the rights the chain grants). A chip refusing a step is a result
(``refused`` with the step and SW), not an exception; transport failures propagate.
TA proves the terminal to the chip; nothing of it can be re-checked offline from a
dump (docs/verification.md).
"""

from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from ..channel import Channel
from ..eac import chain as chain_mod
from ..eac import chat as chat_mod
from ..eac import cvc, ta
from ..eac.signer import PemSigner, Signer
from ..errors import CccdError, ParseError, UsageError, VerificationError

log = logging.getLogger("cccd_chip.ta")

MAX_CHAIN_FILES = 64
MAX_CHAIN_FILE = cvc.MAX_CVC
CHAIN_SUFFIXES = (".cvcert", ".cvc", ".cer", ".bin")

NOT_ATTEMPTED = "not_attempted"
REFUSED = "refused"
SUCCESSFUL = "successful"

R_OK = "OK"
R_CHAIN_INVALID = "TA_CHAIN_INVALID"
R_REFUSED = "TA_REFUSED"
R_NOT_OFFERED = "TA_NOT_OFFERED"


@dataclass(frozen=True)
class Terminal:
    """The inspection system: its certificates (a folder) and its signer (key file or token)."""

    certificates: tuple[cvc.CvCertificate, ...]
    signer: Signer = field(repr=False)
    source: str = ""

    @classmethod
    def load(cls, chain_dir: "str | Path", key: "str | Path | Signer") -> "Terminal":
        """Every ``*.cvcert`` / ``*.cvc`` / ``*.cer`` / ``*.bin`` file of ``chain_dir`` (at most 64), and the key.

        A file that is not a CV certificate is a UsageError naming it (exit 2).
        """
        from ..safe_files import read_regular_file

        d = Path(chain_dir)
        if not d.is_dir():
            raise UsageError(f"the terminal chain {d} is not a folder of CV certificates")
        files = sorted(p for p in d.iterdir() if p.suffix.lower() in CHAIN_SUFFIXES)
        if not files:
            raise UsageError(f"{d} holds no CV certificate (*.cvcert, *.cvc, *.cer, *.bin)")
        if len(files) > MAX_CHAIN_FILES:
            raise UsageError(f"{d} holds more than {MAX_CHAIN_FILES} certificate files")
        certs = []
        for p in files:
            raw = read_regular_file(p, MAX_CHAIN_FILE, error=UsageError, follow_symlinks=True)
            try:
                certs.append(cvc.parse_certificate(raw, file=p.name))
            except CccdError as e:
                raise UsageError(f"{p.name} is not a CV certificate: {e.message}") from None
        signer = key if not isinstance(key, (str, Path)) else PemSigner.load(key)
        return cls(tuple(certs), signer, d.name)


@dataclass(frozen=True)
class TaContext:
    """What the session provides: the chip's trust points, ID_PICC, Comp(PK_PCD), the TA version."""

    chip_cars: tuple[str, ...]
    id_picc: bytes = field(repr=False)
    comp_pk_pcd: bytes = field(repr=False)
    version: int = 1
    auxiliary_data: bytes = b""
    today: Optional[_dt.date] = None  # the host's date for the offline check (None: today, UTC)


@dataclass(frozen=True)
class TaResult:
    """What Terminal Authentication achieved (JSON: Evidence.ta)."""

    outcome: str  # successful | refused | not_attempted
    reason: str  # OK | TA_CHAIN_INVALID | TA_REFUSED | TA_NOT_OFFERED
    detail: str
    version: int = 1
    chip_cars: tuple[str, ...] = ()
    sent: tuple[str, ...] = ()  # CHRs of the certificates sent, in order
    terminal: Optional[str] = None
    effective_rights: Optional[str] = None  # discretionary data of the effective CHAT, hex
    granted: tuple[str, ...] = ()  # DG3 / DG4 the effective rights cover
    offline_chain: str = "not checked"  # verified | not checked (no CVCA certificate in the folder) | failed
    step: Optional[str] = None
    sw: Optional[int] = None

    @property
    def successful(self) -> bool:
        return self.outcome == SUCCESSFUL

    def covers(self, dg: str) -> bool:
        return dg in self.granted

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "protocol": "TA", "version": self.version, "outcome": self.outcome, "reason": self.reason,
            "detail": self.detail, "chip_cars": list(self.chip_cars), "sent": list(self.sent),
            "terminal": self.terminal, "effective_rights": self.effective_rights, "granted": list(self.granted),
            "offline_chain": self.offline_chain,
            "proof": "proven to the chip during the read; not re-provable offline",
        }
        if self.step is not None:
            out["step"] = self.step
        if self.sw is not None:
            out["sw"] = f"{self.sw:04X}"
        return out


def _rights(effective: Optional[chat_mod.Chat]) -> tuple[Optional[str], tuple[str, ...]]:
    if effective is None:
        return None, ()
    return effective.template.hex().upper(), tuple(dg for dg in ("DG3", "DG4") if effective.allows(dg))


def plan(terminal: Terminal, ctx: TaContext) -> tuple[Optional[list[cvc.CvCertificate]], Optional[TaResult], Any]:
    """The certificates to send (or a ``not_attempted`` result), and the chain's domain."""
    if not ctx.chip_cars:
        return None, TaResult(NOT_ATTEMPTED, R_NOT_OFFERED, "the chip names no trust point (EF.CVCA / PACE CAR)",
                              ctx.version, ctx.chip_cars), None
    fp = terminal.signer.fingerprint
    if not any(c.role == chat_mod.ROLE_TERMINAL and c.public_key.fingerprint() == fp for c in terminal.certificates):
        return None, TaResult(NOT_ATTEMPTED, R_CHAIN_INVALID,
                              "no terminal certificate in the chain folder holds the terminal key's public key",
                              ctx.version, ctx.chip_cars), None
    path = chain_mod.find_path(terminal.certificates, ctx.chip_cars, fp)
    if path is None:
        return None, TaResult(NOT_ATTEMPTED, R_CHAIN_INVALID,
                              f"no certificate path from the chip's trust point(s) {', '.join(ctx.chip_cars)} "
                              "to the terminal certificate", ctx.version, ctx.chip_cars), None
    anchor = chain_mod.anchor_for(terminal.certificates, path[0].car)
    today = ctx.today or _dt.datetime.now(_dt.timezone.utc).date()
    if anchor is None:  # the chip decides alone; the rights of the DV and terminal are a lower bound
        eff = chat_mod.effective([c.chat for c in path if c.role != chat_mod.ROLE_CVCA])
        rights, granted = _rights(eff)
        return path, TaResult(NOT_ATTEMPTED, R_OK, "", offline_chain="not checked (no CVCA certificate in the folder)",
                              effective_rights=rights, granted=granted, version=ctx.version,
                              chip_cars=ctx.chip_cars), _domain_of(path)
    try:
        res = chain_mod.verify_chain(anchor, path, today)
    except VerificationError as e:
        return None, TaResult(NOT_ATTEMPTED, R_CHAIN_INVALID, f"terminal chain refused offline: {e.message} ({e.reason})",
                              offline_chain="failed", terminal=path[-1].chr, version=ctx.version,
                              chip_cars=ctx.chip_cars), None
    except CccdError as e:
        return None, TaResult(NOT_ATTEMPTED, R_CHAIN_INVALID, f"terminal chain unusable: {e.message}",
                              offline_chain="failed", terminal=path[-1].chr, version=ctx.version,
                              chip_cars=ctx.chip_cars), None
    rights, granted = _rights(res.effective)
    return path, TaResult(NOT_ATTEMPTED, R_OK, "", offline_chain="verified", effective_rights=rights,
                          granted=granted, version=ctx.version, chip_cars=ctx.chip_cars), res.domain


def _domain_of(path: Sequence[cvc.CvCertificate]) -> Any:
    for c in reversed(path):
        if c.public_key.has_domain:
            try:
                return c.public_key.curve()
            except CccdError:
                return None
    return None


def perform_ta(channel: Channel, terminal: Terminal, ctx: TaContext, *, chunk: Optional[int] = ta.CHAIN_CHUNK) -> TaResult:
    """Run Terminal Authentication; never raises for a chip's refusal (transport errors do propagate)."""
    path, early, domain = plan(terminal, ctx)
    if path is None:
        assert early is not None
        log.info("TA not attempted: %s", early.detail)
        return early
    assert early is not None
    pre = early
    sent: list[str] = []

    def refused(step: str, sw: int, what: str) -> TaResult:
        log.info("TA refused at %s (SW %04X)", step, sw)
        return TaResult(REFUSED, R_REFUSED, f"the chip refused {what} (SW {sw:04X})", ctx.version, ctx.chip_cars,
                        tuple(sent), path[-1].chr, pre.effective_rights, (), pre.offline_chain, step, sw)

    for cert in path:
        r = channel.transmit(ta.mse_set_dst(cert.car))
        if not r.ok:
            return refused(f"MSE:Set DST {cert.car}", r.sw, f"the key reference {cert.car}")
        for cmd in ta.pso_verify_certificate(cert, chunk=chunk):
            r = channel.transmit(cmd)
            if not r.ok:
                return refused(f"PSO:Verify Certificate {cert.chr}", r.sw, f"the certificate {cert.chr}")
        sent.append(cert.chr)
    term = path[-1]
    alg = term.public_key.algorithm
    if ctx.version == 2:
        cmd = ta.mse_set_at(term.chr, oid=alg.oid, comp_pk=ctx.comp_pk_pcd, aux=ctx.auxiliary_data or None)
    else:
        cmd = ta.mse_set_at(term.chr, aux=ctx.auxiliary_data or None)
    r = channel.transmit(cmd)
    if not r.ok:
        return refused("MSE:Set AT (TA)", r.sw, f"the terminal key {term.chr}")
    r = channel.transmit(ta.get_challenge())
    if not r.ok or len(r.data) != ta.CHALLENGE_LENGTH:
        return refused("GET CHALLENGE", r.sw if not r.ok else 0x6700, "to give a challenge")
    try:
        signature = terminal.signer.sign(ta.signed_message(ctx.id_picc, r.data, ctx.comp_pk_pcd, ctx.auxiliary_data),
                                         alg, domain)
    except CccdError:
        raise
    except (ValueError, TypeError) as e:  # a token / key that cannot make this signature
        raise UsageError(f"the terminal key cannot sign with {alg.name} ({type(e).__name__})") from None
    r = channel.transmit(ta.external_authenticate(signature))
    if not r.ok:
        return refused("EXTERNAL AUTHENTICATE", r.sw, "the terminal's signature")
    log.info("TA v%d successful: %d certificate(s) imported, terminal %s", ctx.version, len(sent), term.chr)
    return TaResult(SUCCESSFUL, R_OK, f"the chip accepted {term.chr} (rights: {', '.join(pre.granted) or 'none'})",
                    ctx.version, ctx.chip_cars, tuple(sent), term.chr, pre.effective_rights, pre.granted,
                    pre.offline_chain)


def parse_chip_cars(ef_cvca: Optional[bytes], pace_cars: Sequence[bytes] = ()) -> tuple[str, ...]:
    """Trust points of the chip: the PACE result's CARs first, then EF.CVCA's (unique, in order)."""
    from ..eac import ef_cvca as ef

    out: list[str] = []
    for raw in pace_cars:
        try:
            out.append(cvc.decode_reference(raw, what="CAR"))
        except ParseError:
            continue
    if ef_cvca is not None:
        try:
            out += list(ef.parse(ef_cvca))
        except ParseError:
            pass
    return tuple(dict.fromkeys(out))
