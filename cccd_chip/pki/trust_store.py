"""The trust store: CSCAs, link certificates, known DSCs and CRLs (ICAO 9303-12 §5-§9, TR-03135 §5.6.1).

Sources: CSCA certificates (PEM or DER files, folders), CSCA master lists
(verified against given roots), CRLs (verified by their issuing CSCA), ICAO
PKD LDIF files (master lists, DSCs, CRLs) and link certificates (verified by
a CSCA already trusted). Every ``add_*`` is atomic: it verifies the whole
source before changing anything, so a tampered list leaves the store as it
was. Lookups: by SKI, by issuer + serial, by subject, by country.

``version`` identifies the content (hash over every certificate and CRL, with
the newest master-list and CRL dates) and goes into every Report.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from ..errors import CccdError, ParseError, TrustStoreError
from .certificate import Certificate, check_issued_by, load_certificate
from .crl import CRL, load_crl, verify_crl
from .ldif import parse_ldif
from .masterlist import MasterList, load_master_list

PathLike = Union[str, "os.PathLike[str]"]
MAX_SOURCE_FILE = 64 * 1024 * 1024
_CERT_EXT = {".cer", ".crt", ".der", ".pem"}


@dataclass(frozen=True)
class Rejected:
    """A source or entry that was not loaded, and why (no secret in it)."""

    source: str
    reason: str


class TrustStore:
    """CSCA trust anchors + DSCs + CRLs; picklable (for batch worker processes)."""

    def __init__(self) -> None:
        self._cscas: dict[bytes, Certificate] = {}
        self._by_ski: dict[bytes, list[Certificate]] = defaultdict(list)
        self._by_subject: dict[str, list[Certificate]] = defaultdict(list)
        self._by_country: dict[str, list[Certificate]] = defaultdict(list)
        self._dscs: dict[bytes, Certificate] = {}
        self._dsc_by_ski: dict[bytes, Certificate] = {}
        self._dsc_by_issuer_serial: dict[tuple[str, int], Certificate] = {}
        self._crls: dict[str, list[CRL]] = defaultdict(list)
        self._ml_dates: list[datetime] = []
        self.rejected: list[Rejected] = []
        self._version: Optional[str] = None

    # --- adding --------------------------------------------------------------
    def add_csca(self, cert: Union[bytes, Certificate], *, source: str = "csca") -> Certificate:
        """Trust one CSCA (or link) certificate as given by the caller."""
        c = cert if isinstance(cert, Certificate) else load_certificate(cert, file=source)
        try:
            c.public_key  # noqa: B018 - refuse a CSCA whose key we cannot use
        except CccdError as e:
            raise TrustStoreError(f"CSCA key unusable: {e.message}", file=source) from None
        self._insert_csca(c)
        return c

    def add_link_certificate(self, data: bytes, *, source: str = "link") -> Certificate:
        """Trust a link certificate (new CSCA key signed by an already trusted CSCA)."""
        c = load_certificate(data, file=source)
        for issuer in self.issuers_of(c):
            try:
                check_issued_by(c, issuer)
            except CccdError:
                continue
            return self.add_csca(c, source=source)
        raise TrustStoreError("link certificate not signed by a trusted CSCA", file=source)

    def add_master_list(
        self,
        data: bytes,
        roots: Optional[Sequence[Union[bytes, Certificate]]] = None,
        *,
        at: Optional[datetime] = None,
        source: str = "masterlist",
    ) -> MasterList:
        """Verify a master list against ``roots`` (default: the CSCAs already trusted), then add its CSCAs."""
        root_certs = [r if isinstance(r, Certificate) else load_certificate(r, file=source) for r in roots or ()]
        if not root_certs:
            root_certs = list(self._cscas.values())
        ml = load_master_list(data, root_certs, at=at, file=source)
        for r in root_certs if roots else ():
            self._insert_csca(r)
        for c in ml.cscas:
            self._insert_csca(c)
        for i, why in ml.rejected:
            self.rejected.append(Rejected(f"{source}[{i}]", why))
        if ml.signing_time is not None:
            self._ml_dates.append(ml.signing_time)
            self._version = None
        return ml

    def add_crl(self, data: Union[bytes, CRL], *, source: str = "crl") -> CRL:
        """Add a CRL after checking its signature with the issuing CSCA."""
        crl = data if isinstance(data, CRL) else load_crl(data, file=source)
        candidates = [c for c in self._by_subject.get(crl.issuer_key, []) if crl.aki is None or c.ski in (None, crl.aki)]
        last: Optional[CccdError] = None
        for csca in candidates:
            try:
                verify_crl(crl, csca.subject_key, csca.ski, csca.public_key)
            except CccdError as e:
                last = e
                continue
            existing = self._crls[crl.issuer_key]
            if all(x.fingerprint != crl.fingerprint for x in existing):
                existing.append(crl)
                self._version = None
                existing.sort(key=lambda x: x.this_update, reverse=True)
            return crl
        why = f": {last.message}" if last else ": issuing CSCA not in the trust store"
        raise TrustStoreError(f"CRL rejected{why}", file=source)

    def add_dsc(self, data: Union[bytes, Certificate], *, source: str = "dsc") -> Certificate:
        """Remember a DSC (e.g. from the PKD) for SODs that do not embed theirs. Not a trust anchor."""
        c = data if isinstance(data, Certificate) else load_certificate(data, file=source)
        self._dscs[c.fingerprint] = c
        self._version = None
        if c.ski is not None:
            self._dsc_by_ski.setdefault(c.ski, c)
        self._dsc_by_issuer_serial.setdefault((c.issuer_key, c.serial), c)
        return c

    def add_ldif(
        self, data: bytes, roots: Optional[Sequence[Union[bytes, Certificate]]] = None, *, source: str = "ldif"
    ) -> dict[str, int]:
        """Load a PKD LDIF: master lists first, then DSCs, then CRLs. Returns counts.

        Entries that fail verification are recorded in ``rejected``; the
        file itself is rejected only if it cannot be parsed at all.
        """
        objects = parse_ldif(data, file=source)
        counts = {"masterlist": 0, "certificate": 0, "crl": 0, "rejected": 0}
        for kind in ("masterlist", "certificate", "crl"):
            for obj in (o for o in objects if o.kind == kind):
                where = f"{source}:{obj.line}"
                try:
                    if kind == "masterlist":
                        self.add_master_list(obj.data, roots, source=where)
                    elif kind == "crl":
                        self.add_crl(obj.data, source=where)
                    elif obj.collection in ("csca",):
                        self.add_csca(obj.data, source=where)
                    else:
                        self.add_dsc(obj.data, source=where)
                    counts[kind] += 1
                except CccdError as e:
                    counts["rejected"] += 1
                    self.rejected.append(Rejected(where, e.message))
        return counts

    def add_path(self, path: PathLike, *, roots: Optional[Sequence[Union[bytes, Certificate]]] = None) -> int:
        """Add a file or every file of a folder, by content/extension; returns objects added."""
        p = Path(path)
        if p.is_dir():
            return sum(self.add_path(f, roots=roots) for f in sorted(p.iterdir()) if f.is_file())
        try:
            if p.stat().st_size > MAX_SOURCE_FILE:
                raise TrustStoreError("trust source file too large", file=p.name)
            data = p.read_bytes()
        except OSError as e:
            raise TrustStoreError(f"cannot read trust source: {e.strerror or e}", file=p.name) from None
        ext = p.suffix.lower()
        if ext == ".ldif":
            counts = self.add_ldif(data, roots, source=p.name)
            return counts["masterlist"] + counts["certificate"] + counts["crl"]
        if ext == ".ml":
            self.add_master_list(data, roots, source=p.name)
            return 1
        if ext == ".crl":
            blocks = _pem_or_der(data, "X509 CRL")
            for _, der in blocks:
                self.add_crl(der, source=p.name)
            return len(blocks)
        if data.lstrip().startswith(b"-----BEGIN"):
            blocks = _pem_blocks(data)
            for label, der in blocks:
                if label == "X509 CRL":
                    self.add_crl(der, source=p.name)
                elif label in ("CERTIFICATE", "TRUSTED CERTIFICATE"):
                    self.add_csca(der, source=p.name)
            return len(blocks)
        if ext in _CERT_EXT or not ext:
            self.add_csca(data, source=p.name)
            return 1
        return 0

    def _insert_csca(self, c: Certificate) -> None:
        if c.fingerprint in self._cscas:
            return
        self._cscas[c.fingerprint] = c
        self._version = None
        if c.ski is not None:
            self._by_ski[c.ski].append(c)
        self._by_subject[c.subject_key].append(c)
        if c.country:
            self._by_country[c.country].append(c)

    # --- lookups ---------------------------------------------------------------
    @property
    def cscas(self) -> tuple[Certificate, ...]:
        return tuple(self._cscas.values())

    def __len__(self) -> int:
        return len(self._cscas)

    def csca_by_fingerprint(self, fingerprint: bytes) -> Optional[Certificate]:
        return self._cscas.get(fingerprint)

    def by_ski(self, ski: bytes) -> list[Certificate]:
        return list(self._by_ski.get(ski, ()))

    def by_subject(self, subject_key: str) -> list[Certificate]:
        return list(self._by_subject.get(subject_key, ()))

    def by_issuer_serial(self, issuer_der: bytes, serial: int) -> Optional[Certificate]:
        """A CSCA by its issuer name (DER) and serial number."""
        key = _name_key(issuer_der)
        for c in self._cscas.values():
            if c.serial == serial and c.issuer_key == key:
                return c
        return None

    def by_country(self, country: str) -> list[Certificate]:
        return list(self._by_country.get(country.upper(), ()))

    def issuers_of(self, cert: Certificate) -> list[Certificate]:
        """Candidate CSCAs for ``cert``: by AKI when present, else by issuer name."""
        if cert.aki is not None:
            found = [c for c in self._by_ski.get(cert.aki, ()) if c.subject_key == cert.issuer_key]
            if found:
                return found
            return []
        return self.by_subject(cert.issuer_key)

    def find_dsc(self, *, ski: Optional[bytes] = None, issuer_der: Optional[bytes] = None, serial: Optional[int] = None) -> Optional[Certificate]:
        if ski is not None:
            return self._dsc_by_ski.get(ski)
        if issuer_der is not None and serial is not None:
            return self._dsc_by_issuer_serial.get((_name_key(issuer_der), serial))
        return None

    def crls_for(self, csca: Certificate) -> list[CRL]:
        """Verified CRLs of ``csca``'s issuer name, newest first."""
        return [c for c in self._crls.get(csca.subject_key, ()) if c.aki is None or csca.ski is None or c.aki == csca.ski]

    # --- identity ----------------------------------------------------------------
    @property
    def version(self) -> str:
        """Content hash + counts + newest master list and CRL dates."""
        if self._version is None:
            self._version = self._compute_version()
        return self._version

    def _compute_version(self) -> str:
        h = hashlib.sha256()
        for fp in sorted(self._cscas):
            h.update(b"C" + fp)
        for fp in sorted(self._dscs):
            h.update(b"D" + fp)
        for fp in sorted(c.fingerprint for lst in self._crls.values() for c in lst):
            h.update(b"R" + fp)
        ml = max(self._ml_dates).date().isoformat() if self._ml_dates else "none"
        crl_dates = [c.this_update for lst in self._crls.values() for c in lst]
        crl = max(crl_dates).date().isoformat() if crl_dates else "none"
        n_crl = sum(len(v) for v in self._crls.values())
        return f"ts-{h.hexdigest()[:16]};cscas={len(self._cscas)};dscs={len(self._dscs)};crls={n_crl};ml={ml};crl={crl}"

    @classmethod
    def from_sources(
        cls,
        *,
        csca: Iterable[PathLike] = (),
        masterlists: Iterable[PathLike] = (),
        masterlist_roots: Iterable[PathLike] = (),
        crls: Iterable[PathLike] = (),
        ldif: Iterable[PathLike] = (),
    ) -> "TrustStore":
        """The CLI's ``--csca/--masterlist/--masterlist-root/--crl/--ldif`` options (see :func:`trust_store_from`)."""
        return trust_store_from(csca, masterlists, crls, ldif, roots=list(masterlist_roots) or None)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for k in ("_by_ski", "_by_subject", "_by_country", "_crls"):
            state[k] = dict(state[k])
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        for k in ("_by_ski", "_by_subject", "_by_country", "_crls"):
            self.__dict__[k] = defaultdict(list, state[k])


def trust_store_from(
    cscas: Iterable[PathLike] = (),
    masterlists: Iterable[PathLike] = (),
    crls: Iterable[PathLike] = (),
    ldifs: Iterable[PathLike] = (),
    *,
    roots: Optional[Sequence[PathLike]] = None,
) -> TrustStore:
    """Convenience for the CLI: CSCA files/folders, then master lists, LDIFs, CRLs."""
    ts = TrustStore()
    root_certs: list[Certificate] = []
    for r in roots or ():
        for label, der in _pem_or_der(Path(r).read_bytes(), "CERTIFICATE"):
            root_certs.append(load_certificate(der, file=str(r)))
    for p in cscas:
        ts.add_path(p)
    for p in masterlists:
        ts.add_master_list(Path(p).read_bytes(), root_certs or None, source=Path(p).name)
    for p in ldifs:
        ts.add_ldif(Path(p).read_bytes(), root_certs or None, source=Path(p).name)
    for p in crls:
        ts.add_path(p)
    return ts


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    import base64
    import binascii
    import re

    out = []
    for m in re.finditer(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", data, re.S):
        try:
            out.append((m.group(1).decode(), base64.b64decode(b"".join(m.group(2).split()), validate=True)))
        except (binascii.Error, ValueError):
            raise ParseError("invalid PEM block") from None
    return out


def _pem_or_der(data: bytes, label: str) -> list[tuple[str, bytes]]:
    if data.lstrip().startswith(b"-----BEGIN"):
        return [b for b in _pem_blocks(data) if b[0] == label]
    return [(label, data)]


def _name_key(name_der: bytes) -> str:
    from asn1crypto import x509

    try:
        return x509.Name.load(name_der).hashable
    except Exception:
        return ""
