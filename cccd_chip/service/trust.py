"""The service's trust store: the command-line sources, then the material added over the API.

``initial_store`` builds the store ``cccd serve`` starts with (``--csca`` ...,
then every CRL / master list in ``trust_material``, in the order added; one that
no longer verifies is skipped and logged). ``with_material`` returns a *new* store
with one more CRL or master list, verified by ``TrustStore.add_crl`` /
``add_master_list`` (signature, issuer, EKU: docs/verification.md §1); the store in
use is never touched, so a rejected upload changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import pickle
from collections import Counter
from pathlib import Path
from typing import Any, Optional, Sequence

from ..errors import CccdError, TrustStoreError
from .. import TrustStore  # the public facade (docs/api.md)
from .config import TrustSources

log = logging.getLogger("cccd.service")


def load_roots(paths: Sequence[str]) -> list[bytes]:
    """``--masterlist-root`` certificates (PEM or DER) as DER."""
    out: list[bytes] = []
    for p in paths:
        out.extend(der_blocks(Path(p).read_bytes(), "CERTIFICATE"))
    return out


def der_blocks(data: bytes, label: str) -> list[bytes]:
    """DER as given, or every ``-----BEGIN <label>-----`` block of a PEM text (RFC 7468)."""
    if not data.lstrip().startswith(b"-----BEGIN"):
        return [data]
    out = []
    begin, end = f"-----BEGIN {label}-----".encode(), f"-----END {label}-----".encode()
    rest = data
    while begin in rest:
        body, sep, rest = rest.split(begin, 1)[1].partition(end)
        if not sep:
            break
        try:
            out.append(base64.b64decode(b"".join(body.split()), validate=True))
        except (binascii.Error, ValueError):
            raise TrustStoreError(f"PEM {label} block is not valid base64") from None
    if not out:
        raise TrustStoreError(f"no PEM {label} block found")
    return out


def initial_store(sources: TrustSources, materials: Sequence[tuple[str, bytes]], roots: Sequence[bytes]) -> TrustStore:
    store = TrustStore.from_sources(csca=sources.csca, masterlists=sources.masterlist,
                                    masterlist_roots=sources.masterlist_root, crls=sources.crl, ldif=sources.ldif)
    for i, (kind, data) in enumerate(materials):
        try:
            _add(store, kind, data, roots, source=f"db:{kind}[{i}]")
        except CccdError as e:
            log.warning("stored trust material skipped", extra={"fields": {"kind": kind, "index": i,
                                                                          "reason": e.reason}})
    return store


def with_material(store: TrustStore, kind: str, data: bytes, roots: Sequence[bytes]) -> TrustStore:
    """A copy of ``store`` plus one verified CRL / master list (TrustStoreError / ParseError if refused)."""
    new: TrustStore = pickle.loads(pickle.dumps(store))
    _add(new, kind, data, roots, source=f"api:{kind}")
    return new


def _add(store: TrustStore, kind: str, data: bytes, roots: Sequence[bytes], *, source: str) -> None:
    if kind == "crl":
        for der in der_blocks(data, "X509 CRL"):
            store.add_crl(der, source=source)
    elif kind == "masterlist":
        for der in der_blocks(data, "CMS"):
            store.add_master_list(der, list(roots) or None, source=source)
    else:
        raise TrustStoreError(f"unknown trust material kind {kind!r}")


def summary(store: TrustStore) -> dict[str, Any]:
    """``GET /v1/trust``: counts per country and every CRL's dates (no certificate contents)."""
    countries = Counter((c.country or "unknown") for c in store.cscas)
    seen, crls = set(), []
    for csca in store.cscas:
        for crl in store.crls_for(csca):
            if crl.fingerprint in seen:
                continue
            seen.add(crl.fingerprint)
            crls.append({"issuer": crl.issuer_text, "country": crl.issuer_country,
                         "this_update": _iso(crl.this_update), "next_update": _iso(crl.next_update)})
    crls.sort(key=lambda c: (c["issuer"], c["this_update"] or ""))
    return {"cscas": len(store), "cscas_by_country": dict(sorted(countries.items())), "crls": crls}


def earliest_next_update(store: TrustStore) -> Optional[dt.datetime]:
    dates = [crl.next_update for csca in store.cscas for crl in store.crls_for(csca) if crl.next_update is not None]
    return min(dates) if dates else None


def _iso(t: Optional[dt.datetime]) -> Optional[str]:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)).isoformat(timespec="seconds")
