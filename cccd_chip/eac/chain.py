"""Chains of CV certificates: CVCA -> (link CVCAs) -> DV -> terminal (BSI TR-03110-3 §2, TR-03110-1 §2.7).

A chip trusts one or two CVCA public keys (its *trust points*, named by their CHR,
which the chip publishes as CARs in EF.CVCA or in the PACE result). A terminal
proves its rights with the certificates leading from a trust point to its own
certificate: link certificates (a new CVCA key signed by the previous one),
then a DV certificate, then the terminal certificate. Each certificate's CAR
names the key that signed it; DV and terminal keys inherit the CVCA's EC domain
parameters (§D.3.3). The effective authorization is the AND of the CHATs of the
latest CVCA, the DV and the terminal (TR-03110-1 §2.7).

:func:`verify_chain` checks signatures, names, roles and dates on the host;
:func:`find_path` picks, from a folder of certificates, the ones a chip with
given trust points needs (the host never sends what the chip already trusts).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from ..crypto import ec as _ec
from ..errors import CccdError, VerificationError
from . import chat as chat_mod
from .chat import Chat
from .cvc import CvCertificate

MAX_CHAIN = 8  # links + DV + terminal; a longer path is refused
MAX_CERTIFICATES = 64  # certificates considered by find_path

R_BROKEN = "CVC_CHAIN_BROKEN"
R_SIGNATURE = "CVC_SIGNATURE_INVALID"
R_EXPIRED = "CVC_EXPIRED"
R_NOT_YET_VALID = "CVC_NOT_YET_VALID"
R_ROLE = "CVC_ROLE_INVALID"


@dataclass(frozen=True)
class ChainResult:
    """A verified chain: the anchor, the certificates after it, the terminal's effective rights."""

    anchor: CvCertificate
    certificates: tuple[CvCertificate, ...]
    effective: Chat
    domain: Optional[_ec.Curve]

    @property
    def terminal(self) -> CvCertificate:
        return self.certificates[-1]


def _next_role_ok(prev: CvCertificate, cert: CvCertificate) -> bool:
    if prev.role == chat_mod.ROLE_CVCA:
        return cert.role in (chat_mod.ROLE_CVCA, chat_mod.ROLE_DV_DOMESTIC, chat_mod.ROLE_DV_FOREIGN)
    if prev.role in (chat_mod.ROLE_DV_DOMESTIC, chat_mod.ROLE_DV_FOREIGN):
        return cert.role == chat_mod.ROLE_TERMINAL
    return False


def verify_chain(anchor: CvCertificate, chain: Sequence[CvCertificate], at: Optional[_dt.date] = None, *,
                 verify_anchor: bool = True) -> ChainResult:
    """Verify ``chain`` (link certificates, DV, terminal) from the trust point ``anchor``.

    ``at``: the date the certificates must be valid on (None: dates are not checked -
    a chip checks them against its own date). Raises VerificationError with reason
    CVC_CHAIN_BROKEN / CVC_SIGNATURE_INVALID / CVC_EXPIRED / CVC_NOT_YET_VALID / CVC_ROLE_INVALID.
    """
    if anchor.role != chat_mod.ROLE_CVCA:
        raise VerificationError(f"the trust point {anchor.chr} is not a CVCA certificate", reason=R_ROLE)
    if not chain:
        raise VerificationError("empty certificate chain", reason=R_BROKEN)
    if len(chain) > MAX_CHAIN:
        raise VerificationError(f"a chain of {len(chain)} certificates is longer than {MAX_CHAIN}", reason=R_BROKEN)
    domain = anchor.public_key.curve() if anchor.public_key.has_domain else None
    if verify_anchor and anchor.self_signed:
        anchor.verify(anchor.public_key, domain)
    prev = anchor
    cvca = anchor
    chats: list[Chat] = []
    for cert in chain:
        if cert.car != prev.chr:
            raise VerificationError(f"{cert.chr} is issued by {cert.car}, not by {prev.chr}", reason=R_BROKEN)
        if not _next_role_ok(prev, cert):
            raise VerificationError(f"a {cert.chat.role_name} certificate ({cert.chr}) cannot follow a "
                                    f"{prev.chat.role_name} certificate", reason=R_ROLE)
        if cert.role != chat_mod.ROLE_CVCA and chats and cert.chat.role_oid != chats[-1].role_oid:
            raise VerificationError(f"{cert.chr} is for another terminal type than its DV", reason=R_ROLE)
        try:
            cert.verify(prev.public_key, domain)
        except VerificationError:
            raise VerificationError(f"the signature of {cert.chr} does not verify with the key of {prev.chr}",
                                    reason=R_SIGNATURE) from None
        if at is not None:
            if at > cert.expiration:
                raise VerificationError(f"{cert.chr} expired on {cert.expiration.isoformat()}", reason=R_EXPIRED)
            if at < cert.effective:
                raise VerificationError(f"{cert.chr} is valid from {cert.effective.isoformat()}",
                                        reason=R_NOT_YET_VALID)
        if cert.role == chat_mod.ROLE_CVCA:
            cvca = cert
            if cert.public_key.has_domain:
                domain = cert.public_key.curve()
        else:
            chats.append(cert.chat)
        prev = cert
    if prev.role != chat_mod.ROLE_TERMINAL:
        raise VerificationError(f"the chain ends with a {prev.chat.role_name} certificate, not a terminal's",
                                reason=R_ROLE)
    # a CVCA whose CHAT names another terminal type (the BSI worked example's CVCA is id-IS over
    # an id-AT chain) contributes no rights bits; the DV and the terminal always do
    same = [cvca.chat] if cvca.chat.role_oid == chats[-1].role_oid else []
    try:
        eff = chat_mod.effective(same + chats)
    except CccdError as e:
        raise VerificationError(e.message, reason=R_ROLE) from None
    return ChainResult(anchor, tuple(chain), eff, domain)


def find_path(certificates: Iterable[CvCertificate], trusted: Sequence[str],
              terminal_key: Optional[str] = None) -> Optional[list[CvCertificate]]:
    """The shortest list of certificates leading from a trust point in ``trusted`` (CHRs of CVCA keys
    the chip holds, in the chip's order of preference) to a terminal certificate (whose
    ``public_key.fingerprint()`` equals ``terminal_key`` when given). None when there is none.
    """
    certs = [c for c in certificates][:MAX_CERTIFICATES]
    best: Optional[list[CvCertificate]] = None
    for car in trusted:
        frontier: list[list[CvCertificate]] = [[c] for c in certs if c.car == car and not c.self_signed]
        seen = {id(p[0]) for p in frontier}
        while frontier and best is None:
            nxt: list[list[CvCertificate]] = []
            for path in frontier:
                last = path[-1]
                if last.role == chat_mod.ROLE_TERMINAL:
                    if terminal_key is None or last.public_key.fingerprint() == terminal_key:
                        best = path
                        break
                    continue
                if len(path) >= MAX_CHAIN:
                    continue
                for c in certs:
                    if c.car == last.chr and not c.self_signed and id(c) not in seen and _next_role_ok(last, c):
                        seen.add(id(c))
                        nxt.append(path + [c])
            frontier = nxt
        if best is not None:
            return best
    return None


def anchor_for(certificates: Iterable[CvCertificate], car: str) -> Optional[CvCertificate]:
    """The CVCA certificate (self-signed or link) whose CHR is ``car``, if the folder holds it."""
    for c in certificates:
        if c.chr == car and c.role == chat_mod.ROLE_CVCA:
            return c
    return None
