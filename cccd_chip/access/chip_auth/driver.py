"""The one Chip Authentication driver (ICAO 9303-11 §6.2, BSI TR-03110-3 §B.1).

``perform_chip_authentication(channel, dg14, rng)`` sends the key agreement
commands (the chip answers under the OLD session) and returns a
:class:`ChipAuthResult`: the new session to install and the transcript so far.
The reader installs the session, then :func:`confirm_session` sends one
protected SELECT of the eMRTD application: only a response that verifies under
the NEW keys proves the chip holds the DG14 key. One that does not verify ends
the session (a clone: CA_KEY_MISMATCH); the reader then re-opens access.

No verdicts: the outcome is :class:`~cccd_chip.evidence.ChipAuthEvidence`
(``verified`` True / False / None) for ``Evidence.ca``; DG14 must still pass
Passive Authentication before it counts (``cccd_chip.verify`` judges).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from ...channel import Channel
from ...crypto import domain_params
from ...crypto.domain_params import DomainPolicy
from ...errors import CccdError, InvalidPublicKeyError, ParseError, SecureMessagingError
from ...evidence import ChipAuthEvidence
from ...iso7816 import commands
from ...sm.base import SecureMessaging
from .protocol import choose_key, general_authenticate, mse_set_at, mse_set_kat, new_session, parse_dg14

Rng = Callable[[int], bytes]


@dataclass(frozen=True)
class ChipAuthResult:
    """Chip Authentication up to the key switch.

    ``session`` is the new SM session (the chip accepted the host's key): the reader
    installs it and calls :func:`confirm_session`. Without it ``evidence`` is final:
    empty (DG14 offers no usable key: not attempted), or an outcome (refused, unusable key).
    """

    evidence: ChipAuthEvidence
    session: Optional[SecureMessaging] = field(default=None, repr=False)


@dataclass(frozen=True)
class ChipAuthConfirmation:
    """The proof of the new keys: the final evidence; ``session_ended`` when the chip's
    answer did not verify under them (the SM session is dead; the reader re-opens access)."""

    evidence: ChipAuthEvidence
    session_ended: bool = False


def ca_domain(dg14: bytes, domain_policy: Optional[DomainPolicy] = None) -> Optional[domain_params.AnyDomain]:
    """The domain of DG14's Chip Authentication key (None when it has no usable one): Terminal
    Authentication v2 announces Comp() of the ephemeral key on it before CA runs (TR-03110-1 §3.3)."""
    try:
        ca, key, cipher, oid = choose_key(parse_dg14(dg14))
        if key is None or cipher is None or oid is None:
            return None
        domain, _ = key.domain_and_key(domain_params.STRICT if domain_policy is None else domain_policy)
    except CccdError:
        return None
    return domain


def perform_chip_authentication(channel: Channel, dg14: bytes, rng: Rng, *,
                                domain_policy: Optional[DomainPolicy] = None,
                                ephemeral: Optional[tuple[int, object]] = None) -> ChipAuthResult:
    """Run the key agreement of CA over ``channel`` (already under BAC/PACE secure messaging).

    ``domain_policy``: the DomainPolicy for the DG14 key's domain (default: the standardized
    domains of ICAO 9303-11 Table 12); a refused domain means CA is not attempted, explicit
    parameters too weak for the policy are a failed outcome.
    """
    ev = ChipAuthEvidence(protocol="CA")
    try:
        infos = parse_dg14(dg14)
        ca, key, cipher, oid = choose_key(infos)
        if key is None or cipher is None or oid is None:
            return ChipAuthResult(ChipAuthEvidence())  # DG14 has no usable Chip Authentication key
        domain, pk_ic = key.domain_and_key(domain_params.STRICT if domain_policy is None else domain_policy)
    except (ParseError, InvalidPublicKeyError) as e:
        # DG14 is signed (PA judges it; a changed DG14 fails there): a key nobody can use cannot
        # be checked and proves no clone either way (issue 11 rule)
        reason = "DG_MALFORMED" if isinstance(e, ParseError) else "KEY_PARAMS_INVALID"
        return ChipAuthResult(ev.finished(None, reason, f"DG14 Chip Authentication key unusable: {e.reason}"))
    except CccdError:  # unsupported domain etc.: not attempted
        return ChipAuthResult(ChipAuthEvidence())
    key_id = key.key_id if ca is None else ca.key_id

    # TA v2 announced Comp() of this key pair (ca_domain); otherwise a fresh one
    sk, pk = ephemeral if ephemeral is not None else domain.generate(rng)
    pk_bytes = domain.encode(pk)
    ev = ChipAuthEvidence(protocol="CA", oid=oid, key_id=key_id, cipher=cipher, pk_ifd=pk_bytes)
    if cipher == "3DES":
        r = channel.transmit(mse_set_kat(pk_bytes, key_id))
        if not r.ok:
            return ChipAuthResult(ev.finished(False, "CA_PROTOCOL_ERROR", f"MSE:Set KAT answered {r.sw:04X}"))
    else:
        r = channel.transmit(mse_set_at(oid, key_id))
        if not r.ok:
            return ChipAuthResult(ev.finished(False, "CA_PROTOCOL_ERROR", f"MSE:Set AT (CA) answered {r.sw:04X}"))
        r = channel.transmit(general_authenticate(pk_bytes))
        if not r.ok:
            return ChipAuthResult(ev.finished(False, "CA_PROTOCOL_ERROR",
                                              f"GENERAL AUTHENTICATE (CA) answered {r.sw:04X}"))
    # the chip accepted and switched: the new session, to be installed and proved
    return ChipAuthResult(ev, new_session(domain.shared_secret(sk, pk_ic), cipher))


def confirm_session(channel: Channel, pending: ChipAuthEvidence) -> ChipAuthConfirmation:
    """Prove the new keys with one protected response (a SELECT of the eMRTD application).

    Call after the reader installed :attr:`ChipAuthResult.session`. A response that does not
    verify under the keys agreed with the DG14 key is a clone (CA_KEY_MISMATCH).
    """
    try:
        r = channel.transmit(commands.select_aid())
    except SecureMessagingError as e:
        return ChipAuthConfirmation(pending.finished(
            False, "CA_KEY_MISMATCH",
            "the chip's response does not verify under the keys agreed with the DG14 key (clone?)"
            + (f" (SW {e.sw:04X})" if e.sw else "")), session_ended=True)
    if not r.ok:
        return ChipAuthConfirmation(pending.finished(False, "CA_PROTOCOL_ERROR", f"SELECT after CA answered {r.sw:04X}"))
    return ChipAuthConfirmation(pending.finished(True, "OK", "response verified under the new session keys"))
