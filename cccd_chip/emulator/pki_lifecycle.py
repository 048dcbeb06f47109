"""25 years of the virtual CCCD PKI: CSCA rollovers, link certificates, quarterly DSCs, revocations.

Decree 68/2024/NĐ-CP (cccd-chip-facts §7a) sets the lifetimes this models:
an ID-card CSCA certificate lives at most 27 years and its key signs for at
most 5; a DS certificate lives at most 22 years and its key signs for at most
3 months (or 100,000 cards). ICAO 9303-12 §5.2: when the CSCA key changes,
link certificates carry trust from the old key to the new one.

:func:`simulate` builds the history deterministically (EC keys only, so it
is quick):

- CSCA generation 1 is the ``CSCA Vietnam TEST`` of the ``cccd-2021`` /
  ``cccd-2024`` profiles (key usable 2021-01-19 .. 2026-01-21, as the real
  one's); generation n+1 takes over when generation n's key period ends,
  named with ``serialNumber=00n+1``, and the two are linked both ways
  (new key signed by the old, old key signed by the new);
- a DSC every 3 months, issued by the generation whose key period holds the
  issue date, with a 3-month private key usage period;
- CRLs per generation listing the revoked DSCs.

NOT a model of any real issuer's schedule: test PKI only.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Mapping, Optional

from ..lds import sod
from . import card_pki, determinism as det
from .card_pki import Issued, SignerSpec

UTC = dt.timezone.utc
CSCA_KEY_YEARS = 5  # Decree 68/2024: CSCA key at most 5 years
CSCA_CERT_YEARS = 27  # Decree 68/2024: ID-card CSCA certificate at most 27 years
POPULATION_START = dt.datetime(2021, 2, 1, tzinfo=UTC)
POPULATION_END = dt.datetime(2046, 4, 13, tzinfo=UTC)  # the real CSCA certificate's end
DSC_SPEC = SignerSpec("bp384", "ecdsa", "sha256")


@dataclass(frozen=True)
class CscaGeneration:
    """One CSCA key: its self-signed certificate, key period and links to its predecessor."""

    number: int  # 1, 2, ...
    csca: Issued
    key_period: tuple[dt.datetime, dt.datetime]
    link_from_previous: Optional[Issued] = None  # this key, signed by the previous key (old -> new)
    link_to_previous: Optional[Issued] = None  # the previous key, signed by this key (new -> old)


@dataclass(frozen=True)
class DsKey:
    """One Document Signer: certificate, issue date and the CSCA generation that signed it."""

    number: int
    dsc: Issued
    issued: dt.datetime
    generation: int
    revoked_on: Optional[dt.datetime] = None


@dataclass(frozen=True)
class PkiHistory:
    generations: tuple[CscaGeneration, ...]
    dscs: tuple[DsKey, ...]
    crls: Mapping[int, tuple[bytes, ...]]  # generation -> its CRLs (DER), oldest first

    def generation_at(self, when: dt.datetime) -> CscaGeneration:
        """The generation whose key signs at ``when``."""
        for g in self.generations:
            if g.key_period[0] <= when < g.key_period[1]:
                return g
        raise ValueError(f"no CSCA key period holds {when}")


def _years(t: dt.datetime, n: int) -> dt.datetime:
    return t.replace(year=t.year + n)


def make_generation(number: int, previous: Optional[CscaGeneration] = None) -> CscaGeneration:
    """CSCA generation ``number`` (1 = the profiles' CSCA) with its links to ``previous``."""
    if number == 1:
        return CscaGeneration(1, card_pki.make_vn_csca(), card_pki.VN_CSCA_KEY_USAGE)
    assert previous is not None and previous.number == number - 1
    start = previous.key_period[1]
    period = (start, _years(start, CSCA_KEY_YEARS))
    # certificate: 27 years (the decree's maximum), which covers the key period plus a 22-year DS certificate
    validity = (start, _years(start, CSCA_CERT_YEARS))
    csca = card_pki.make_vn_csca(label=f"vn-cccd|gen{number}", validity=validity, key_usage_period=period,
                                 name_serial=f"{number:03d}")
    forward = card_pki.make_vn_link(previous.csca, csca, label=f"gen{number - 1}->gen{number}")
    backward = card_pki.make_vn_link(csca, previous.csca, label=f"gen{number}->gen{number - 1}")
    return CscaGeneration(number, csca, period, forward, backward)


def quarterly(start: dt.datetime = POPULATION_START, end: dt.datetime = POPULATION_END) -> list[dt.datetime]:
    """Issue dates of the DS keys: every 3 months from ``start`` until ``end``."""
    out, t = [], start
    while t < end:
        out.append(t)
        t = card_pki.add_months(t, card_pki.DS_KEY_MONTHS)
    return out


@functools.lru_cache(maxsize=4)
def simulate(revoked: tuple[tuple[int, str], ...] = ((13, "2024-06-01"), (58, "2035-09-15"), (90, "2043-09-01")),
             start: dt.datetime = POPULATION_START, end: dt.datetime = POPULATION_END) -> PkiHistory:
    """The PKI from ``start`` to ``end``; ``revoked``: (DSC number, revocation date) pairs."""
    gens = [make_generation(1)]
    while gens[-1].key_period[1] < end:
        gens.append(make_generation(len(gens) + 1, gens[-1]))
    revoked_on = {n: dt.datetime.fromisoformat(d).replace(tzinfo=UTC) for n, d in revoked}
    dscs = []
    for i, issued in enumerate(quarterly(start, end), start=1):
        g = next(x for x in gens if x.key_period[0] <= issued < x.key_period[1])
        dsc = card_pki.make_vn_dsc(g.csca, label=f"q{i:03d}-{issued:%Y-%m}", issued=issued, spec=DSC_SPEC)
        dscs.append(DsKey(i, dsc, issued, g.number, revoked_on.get(i)))
    crls: dict[int, tuple[bytes, ...]] = {}
    for g in gens:  # an empty CRL when the key starts, then one more (cumulative) per revocation
        mine = sorted((d for d in dscs if d.generation == g.number and d.revoked_on is not None),
                      key=lambda d: d.revoked_on or start)
        crl_list = [card_pki.make_vn_crl(g.csca, (), label=f"gen{g.number}|0", this_update=g.key_period[0],
                                       next_update=_years(POPULATION_END, 5), number=1)]
        for k, d in enumerate(mine, start=1):
            assert d.revoked_on is not None
            crl_list.append(card_pki.make_vn_crl(
                g.csca, tuple(x.dsc.serial for x in mine[:k]), label=f"gen{g.number}|{k}",
                this_update=d.revoked_on, next_update=_years(POPULATION_END, 5), number=k + 1))
        crls[g.number] = tuple(crl_list)
    return PkiHistory(tuple(gens), tuple(dscs), crls)


def late_dsc(history: PkiHistory, issued: dt.datetime, *, generation: int = 1) -> Issued:
    """A DSC signed by ``generation``'s key on ``issued`` (after its key period: the issuer's mistake)."""
    g = history.generations[generation - 1]
    return card_pki.make_vn_dsc(g.csca, label=f"late-gen{generation}-{issued:%Y-%m-%d}", issued=issued, spec=DSC_SPEC)


def sign_card(dsc: Issued, files: Mapping[str, bytes], signing_time: dt.datetime, *, label: str) -> bytes:
    """EF.SOD of one card of the population: SHA-256 DG hashes, ecdsa-with-SHA256 by ``dsc`` (facts §7a)."""
    dgs = {int(k[2:]): v for k, v in files.items() if k.startswith("DG")}
    return sod.build_sod(
        sod.hash_data_groups(dgs, "sha256"), dsc.cert_der, det.signer(dsc.key, "ecdsa", "sha256", label),
        hash_alg="sha256", digest_alg="sha256", signature_alg_oid=card_pki._ECDSA_SIG_OIDS["sha256"],
        signing_time=signing_time)
