"""The trust store and policy a command verifies with, and the verification (no click).

``host_cli/trust.py`` declares the options (click) and reads them from the command's context;
what they configure is here, importable without click, so the one-dump ``cccd verify`` of
``host_cli/fast_path.py`` builds the same store and policy with the same code (issue 13).
"""

from __future__ import annotations

from typing import Any, Optional

from cccd_chip.errors import UsageError

from .paths import require_path


def make_policy(at: Any, options: dict) -> Any:
    """The verification Policy from ``--at`` and the policy options given (option name -> value)."""
    from cccd_chip.verify.passive import Policy

    kw: dict = {}
    if at is not None:
        kw["at"] = at
    revocation = options.get("revocation")
    if options.get("require_crl"):
        if revocation not in (None, "require"):
            raise UsageError(f"--require-crl contradicts --revocation {revocation}")
        revocation = "require"
    if revocation:
        kw["revocation"] = revocation.replace("-", "_")
    if options.get("time_reference"):
        kw["time_reference"] = options["time_reference"].replace("-", "_")
    if options.get("require_key_usage"):
        kw["require_key_usage"] = True
    oids = tuple(options.get("legacy_content_types") or ())
    for oid in oids:
        if not all(part.isdigit() for part in oid.split(".")) or oid.count(".") < 2:
            raise UsageError("--legacy-content-type needs a dotted OID such as 1.3.27.1.1.1")
    if oids:
        kw["legacy_content_types"] = frozenset(oids)
    aliases = []
    for item in options.get("country_aliases") or ():
        code, sep, country = item.partition("=")
        code, country = code.strip().upper(), country.strip().upper()
        if not sep or not (1 <= len(code) <= 3 and code.isalpha()) or not (len(country) == 2 and country.isalpha()):
            raise UsageError("--country-alias needs MRZ=C, e.g. RKS=KS (a 1-3 letter MRZ code, a 2-letter country)")
        aliases.append((code, country))
    if aliases:
        kw["country_aliases"] = frozenset(aliases)
    if options.get("binding_key"):
        from cccd_chip.document import load_binding_key

        kw["binding_key"] = load_binding_key(options["binding_key"])
    return Policy(**kw)


def build_trust_store(csca=(), masterlist=(), masterlist_root=(), crl=(), ldif=(), known: tuple = ()):
    """The trust store from the trust options and ``--trust-known`` (docs/verification.md §1: the trust model)."""
    if masterlist and not masterlist_root:
        raise UsageError("--masterlist needs --masterlist-root: a master list is trusted only when its signer "
                         "chains to a root you name")
    if not (csca or masterlist or crl or ldif or known):
        return None
    for flag, paths in (("--csca", csca), ("--masterlist", masterlist), ("--masterlist-root", masterlist_root),
                        ("--crl", crl), ("--ldif", ldif)):
        for path in paths:
            require_path(path, f"{flag} file")
    from cccd_chip.pki import trust_store as ts

    store = ts.TrustStore.from_sources(csca=csca, masterlists=masterlist, masterlist_roots=masterlist_root,
                                       crls=crl, ldif=ldif)
    if known:  # an explicit opt-in, said out loud (docs/verification.md §8)
        import click

        from cccd_chip.pki import known_cscas

        for name in dict.fromkeys(known):
            click.echo(describe_known(name), err=True)
            for k in known_cscas.bundle(name):
                store.add_csca(known_cscas.certificate(k), source=f"known:{name}")
    return store


def describe_known(name: str) -> str:
    """What ``--trust-known NAME`` trusts and why it is not authenticated (printed on stderr)."""
    from cccd_chip.pki import known_cscas

    bundle = known_cscas.bundle(name)
    lines = [f"--trust-known {name}: trusting, by explicit opt-in, {len(bundle)} public CSCA certificate(s):"]
    for k in bundle:
        lines.append(f"  {k.title}")
        lines.append(f"  SHA-256 {k.sha256}; found {k.provenance}")
        lines.append(f"  NOT authenticated: {k.not_authenticated}.")
    return "\n".join(lines)


def parse_at(at: Optional[str]):
    """``--at``: verify as of this UTC time (ISO 8601, e.g. 2026-01-31T12:00:00Z)."""
    if not at:
        return None
    import datetime as _dt

    try:
        t = _dt.datetime.fromisoformat(at.strip().replace("Z", "+00:00"))
        t = t if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)
        # normalised to UTC here: an extreme offset (0001-01-01T00:00:00+23:59) leaves the
        # datetime range and is a usage error, not an OverflowError later (issue 10, defect 9)
        return t.astimezone(_dt.timezone.utc)
    except (ValueError, OverflowError):
        raise UsageError("--at needs an ISO 8601 time such as 2026-01-31T12:00:00Z (in years 1..9999 UTC)") from None


def verify(doc: Any, store: Any, policy: Any) -> Any:
    """Verify ``doc`` against ``store`` (an empty store when None) under ``policy``: a Report."""
    from cccd_chip.pki.trust_store import TrustStore
    from cccd_chip.verify.document_check import verify_document

    if store is None:
        store = TrustStore()
    return verify_document(doc, store, policy=policy)
