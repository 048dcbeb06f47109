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
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence, Union

from ..errors import CccdError, ParseError, TrustStoreError
from ..frozen import frozen_dataclass
from ..lds.oids import ID_ICAO_CSCA_MASTER_LIST_SIGNING_KEY
from ..safe_files import is_regular_file, read_regular_file
from .certificate import Certificate, ca_profile_problem, check_issued_by, load_certificate
from .crl import CRL, load_crl, verify_crl

if TYPE_CHECKING:  # the master-list and LDIF codecs are imported when such a source is added
    from .masterlist import MasterList

PathLike = Union[str, "os.PathLike[str]"]
MAX_SOURCE_FILE = 64 * 1024 * 1024
_CERT_EXT = {".cer", ".crt", ".der", ".pem"}


@frozen_dataclass
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
        self._dsc_by_ski: dict[bytes, list[Certificate]] = defaultdict(list)
        self._dsc_by_issuer_serial: dict[tuple[str, int], list[Certificate]] = defaultdict(list)
        self._ml_roots: list[Certificate] = []
        self._crls: dict[str, list[CRL]] = defaultdict(list)
        self._ml_dates: list[datetime] = []
        self.rejected: list[Rejected] = []
        self._version: Optional[str] = None

    # --- adding --------------------------------------------------------------
    def add_csca(self, cert: Union[bytes, Certificate], *, source: str = "csca") -> Certificate:
        """Trust one CSCA certificate named by the caller (the operator's ``--csca``).

        It must have the CA profile (basicConstraints cA, keyUsage keyCertSign) and a
        usable key, else TrustStoreError: a DSC or any other end-entity certificate is
        never an anchor, wherever it comes from.
        """
        c = cert if isinstance(cert, Certificate) else load_certificate(cert, file=source)
        problem = self._anchor_problem(c)
        if problem is not None:
            raise TrustStoreError(f"not accepted as a CSCA: {problem}", file=source)
        self._insert_csca(c)
        return c

    def add_masterlist_root(self, cert: Union[bytes, Certificate], *, source: str = "masterlist-root") -> Certificate:
        """Name a certificate that may sign master-list signers (the operator's ``--masterlist-root``).

        A root is a CSCA (CA profile, usable key) and is trusted as a CSCA too.
        Master lists are verified only against roots named this way (or passed to
        :meth:`add_master_list`), never against CSCAs that other lists brought in.
        """
        c = self.add_csca(cert, source=source)
        if all(r.fingerprint != c.fingerprint for r in self._ml_roots):
            self._ml_roots.append(c)
        return c

    def add_link_certificate(self, data: bytes, *, source: str = "link") -> Certificate:
        """Trust a CSCA link certificate (ICAO 9303-12 §5.2: a new CSCA key signed by the old one).

        Accepted only when it has the CA profile, names the same country as its
        issuer, and its signature verifies with a CSCA already in the store. A DSC or
        master-list signer issued by a trusted CSCA is refused.
        """
        c = load_certificate(data, file=source)
        problem = self._anchor_problem(c)
        if problem is not None:
            raise TrustStoreError(f"not a CSCA link certificate: {problem}", file=source)
        if ID_ICAO_CSCA_MASTER_LIST_SIGNING_KEY in c.ext_key_usage or "digital_signature" in (c.key_usage or ()):
            raise TrustStoreError("not a CSCA link certificate: it is a signer certificate", file=source)
        if c.country is None or c.country != c.issuer_country:
            raise TrustStoreError("not a CSCA link certificate: subject and issuer country differ", file=source)
        for issuer in self.issuers_of(c):
            try:
                check_issued_by(c, issuer)
            except CccdError:
                continue
            if issuer.country != c.country:
                continue
            self._insert_csca(c)
            return c
        raise TrustStoreError("link certificate not signed by a trusted CSCA", file=source)

    def add_master_list(
        self,
        data: bytes,
        roots: Optional[Sequence[Union[bytes, Certificate]]] = None,
        *,
        at: Optional[datetime] = None,
        source: str = "masterlist",
    ) -> MasterList:
        """Verify a master list against ``roots`` (else the master-list roots named before), add its CSCAs.

        The signer must chain to a root the operator named for master lists: CSCAs
        that an earlier list or ``--csca`` brought in never vouch for a list. Entries
        without the CA profile are listed in ``rejected`` and not trusted.
        """
        root_certs = [r if isinstance(r, Certificate) else load_certificate(r, file=source) for r in roots or ()]
        for r in root_certs:
            problem = self._anchor_problem(r)
            if problem is not None:
                raise TrustStoreError(f"master-list root not accepted: {problem}", file=source)
        if not root_certs:
            root_certs = list(self._ml_roots)
        if not root_certs:
            raise TrustStoreError("no master-list root named: a master list is trusted only "
                                  "when its signer chains to a root the operator names", file=source)
        from .masterlist import load_master_list

        ml = load_master_list(data, root_certs, at=at, file=source)
        for r in root_certs if roots else ():
            self._insert_csca(r)
            if all(x.fingerprint != r.fingerprint for x in self._ml_roots):
                self._ml_roots.append(r)
        for i, c in enumerate(ml.cscas):
            problem = self._anchor_problem(c)
            if problem is not None:
                self.rejected.append(Rejected(f"{source}: {c.subject_text}", problem))
                continue
            self._insert_csca(c)
        for i, why in ml.rejected:
            self.rejected.append(Rejected(f"{source}[{i}]", why))
        if ml.signing_time is not None:
            self._ml_dates.append(ml.signing_time)
            self._version = None
        return ml

    def add_crl(self, data: Union[bytes, CRL], *, source: str = "crl") -> CRL:
        """Add a CRL after checking its signature with a key of its issuer (RFC 5280 §6.3.3 f, g).

        A CRL covers every certificate its issuer NAME issued; its AKI names the key
        that signed the CRL, which after a CSCA key rollover is the new key, not the
        one that signed an older DSC. Every trusted CSCA with the CRL's issuer name
        (the one the AKI names first) is tried; the key must be allowed to sign CRLs.
        """
        crl = data if isinstance(data, CRL) else load_crl(data, file=source)
        same_name = self._by_subject.get(crl.issuer_key, [])
        candidates = sorted(same_name, key=lambda c: 0 if crl.aki is not None and c.ski == crl.aki else 1)
        last: Optional[CccdError] = None
        for csca in candidates:
            if csca.key_usage is not None and "crl_sign" not in csca.key_usage:
                continue
            try:
                verify_crl(crl, csca.subject_key, None, csca.public_key)  # AKI: a hint for the order only
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
        """Remember a DSC (e.g. from the PKD) for SODs that do not embed theirs. Never a trust anchor."""
        c = data if isinstance(data, Certificate) else load_certificate(data, file=source)
        if c.fingerprint in self._dscs:
            return c
        self._dscs[c.fingerprint] = c
        self._version = None
        if c.ski is not None:
            self._dsc_by_ski[c.ski].append(c)
        self._dsc_by_issuer_serial[(c.issuer_key, c.serial)].append(c)
        return c

    def add_ldif(
        self, data: bytes, roots: Optional[Sequence[Union[bytes, Certificate]]] = None, *, source: str = "ldif"
    ) -> dict[str, int]:
        """Load a PKD LDIF: master lists first, then DSCs, then CRLs. Returns counts.

        CSCAs come only out of master lists whose signer chains to ``roots`` (or the
        master-list roots named before); a certificate entry is at most a known DSC,
        whatever its DN says (``o=csca`` entries are rejected: ICAO publishes CSCAs
        only inside signed master lists). Entries that fail go to ``rejected``; the
        file itself is rejected only if it cannot be parsed at all.
        """
        from .ldif import parse_ldif

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
                    elif obj.collection != "dsc":
                        raise TrustStoreError("an LDIF certificate outside the DSC collection is not loaded "
                                              "(CSCAs only from verified master lists)", file=where)
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
            return sum(self.add_path(f, roots=roots) for f in sorted(p.iterdir()) if is_regular_file(f, follow_symlinks=True))
        data = _read_source(p)
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

    @staticmethod
    def _anchor_problem(c: Certificate) -> Optional[str]:
        problem = ca_profile_problem(c)
        if problem is not None:
            return problem
        try:
            c.public_key  # noqa: B018 - refuse an anchor whose key we cannot use
        except CccdError as e:
            return f"key unusable: {e.message}"
        return None

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
        """The first known DSC matching a SignerInfo's sid (see :meth:`find_dscs` for all)."""
        found = self.find_dscs(ski=ski, issuer_der=issuer_der, serial=serial)
        return found[0] if found else None

    def find_dscs(self, *, ski: Optional[bytes] = None, issuer_der: Optional[bytes] = None, serial: Optional[int] = None) -> list[Certificate]:
        """Every known DSC matching a sid: a second certificate with the same SKI or issuer+serial
        (e.g. from an LDIF an attacker edited) never hides the genuine one."""
        if ski is not None:
            return list(self._dsc_by_ski.get(ski, ()))
        if issuer_der is not None and serial is not None:
            return list(self._dsc_by_issuer_serial.get((_name_key(issuer_der), serial), ()))
        return []

    @property
    def masterlist_roots(self) -> tuple[Certificate, ...]:
        return tuple(self._ml_roots)

    def crls_for(self, csca: Certificate) -> list[CRL]:
        """Verified CRLs of ``csca``'s issuer name, newest first (RFC 5280 §6.3.3: the CRL issuer is
        matched by name; its AKI names the CRL's own signing key, which may be a newer key)."""
        return list(self._crls.get(csca.subject_key, ()))

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

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for k in _LIST_MAPS:
            state[k] = dict(state[k])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for k in _LIST_MAPS:
            self.__dict__[k] = defaultdict(list, state.get(k, {}))
        self.__dict__.setdefault("_ml_roots", [])


_LIST_MAPS = ("_by_ski", "_by_subject", "_by_country", "_crls", "_dsc_by_ski", "_dsc_by_issuer_serial")


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
    for r in roots or ():
        for label, der in _pem_or_der(_read_source(r), "CERTIFICATE"):
            ts.add_masterlist_root(der, source=Path(r).name)
    for p in cscas:
        ts.add_path(p)
    for p in masterlists:
        ts.add_master_list(_read_source(p), source=Path(p).name)
    for p in ldifs:
        ts.add_ldif(_read_source(p), source=Path(p).name)
    for p in crls:
        ts.add_path(p)
    return ts


def _read_source(path: PathLike) -> bytes:
    """An operator-named trust file: a regular file (symlinks followed), at most MAX_SOURCE_FILE bytes."""
    return read_regular_file(path, MAX_SOURCE_FILE, error=TrustStoreError, follow_symlinks=True)


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
        key: str = x509.Name.load(name_der).hashable
        return key
    except Exception:
        return ""
