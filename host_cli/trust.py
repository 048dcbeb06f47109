"""Trust material and verification policy options, and the verification they configure.

Trust: ``--csca``, ``--masterlist`` (+ ``--masterlist-root``), ``--crl``, ``--ldif``,
``--trust-known`` (docs/verification.md §1, §8). Policy: the options of
``cccd_chip.verify.passive.Policy`` (docs/verification.md). The policy options are not
passed to the commands: their callbacks collect them in the context's meta (shared with
sub-contexts, so ``trace replay`` hands them to ``read``), and ``make_policy`` builds the
Policy from them.
"""

from __future__ import annotations

from typing import Any, Optional

import click

from cccd_chip.errors import UsageError

from .options import Decorator, option_group
from .paths import require_path

_trust_options: Decorator = option_group(
    "Trust material",
    (("--csca",), dict(multiple=True, type=click.Path(), help="CSCA certificate file or folder (repeatable).")),
    (("--masterlist",), dict(multiple=True, type=click.Path(),
                             help="CSCA master list (CMS; repeatable); needs --masterlist-root.")),
    (("--masterlist-root",), dict(multiple=True, type=click.Path(),
                                  help="CSCA that issued the master-list signer (for --masterlist and the "
                                       "lists in --ldif).")),
    (("--crl",), dict(multiple=True, type=click.Path(), help="CRL file (repeatable).")),
    (("--ldif",), dict(multiple=True, type=click.Path(),
                       help="ICAO PKD LDIF file: master lists (with --masterlist-root), known DSCs, CRLs.")),
    (("--at", "at"), dict(help="Verify as of this UTC time (ISO 8601) instead of now.")),
    (("--trust-known",), dict(multiple=True, type=click.Choice(["vn-cccd"]), expose_value=False,
                              callback=lambda ctx, param, value: _trust_known_cb(ctx, param, value),
                              help="Also trust a public CSCA the project knows by fingerprint but nobody vouches "
                                   "for (vn-cccd: CSCA Vietnam 2021); prints what it trusts and why it is not "
                                   "authenticated.")),
)


def trust_options(f: Any) -> Any:
    """Trust material options and the verification policy options (docs/verification.md)."""
    return _trust_options(policy_options(f))


TRUST_KNOWN_META = "cccd.trust_known"


# commands whose trust comes from elsewhere (the service's stored trust material): --trust-known is refused
# there, never silently ignored; --csca with the packaged file works everywhere
_NO_TRUST_KNOWN = frozenset({"serve", "reverify"})


def _trust_known_cb(ctx, param, value):
    if value:
        if ctx.command is not None and ctx.command.name in _NO_TRUST_KNOWN:
            from cccd_chip.pki import known_cscas

            path = known_cscas.packaged_path(known_cscas.VN_CSCA_2021)
            raise click.UsageError(f"--trust-known is not available for cccd {ctx.command.name}; opt in with "
                                   f"--csca {path} instead")
        ctx.meta[TRUST_KNOWN_META] = tuple(value)
    return value


def _trust_known() -> tuple:
    ctx = click.get_current_context(silent=True)
    return tuple(ctx.meta.get(TRUST_KNOWN_META, ())) if ctx is not None else ()


# --- verification policy (cccd_chip.verify.passive.Policy; docs/verification.md) ------------
# The options are not passed to the commands: their callbacks collect them in the context's
# meta (shared with sub-contexts, so `trace replay` hands them to `read`), and verify() builds
# the Policy from them.

POLICY_META = "cccd.policy"


def _policy_cb(key):
    def cb(ctx, param, value):
        if value not in (None, False, ()):
            ctx.meta.setdefault(POLICY_META, {})[key] = value
        return value

    return cb


def policy_options(f: Any) -> Any:
    before = len(getattr(f, "__click_params__", []))
    f = click.option("--country-alias", multiple=True, metavar="MRZ=C", expose_value=False,
                     callback=_policy_cb("country_aliases"),
                     help="Also accept certificates with C=C for documents of MRZ state code MRZ "
                          "(e.g. RKS=KS; repeatable).")(f)
    f = click.option("--legacy-content-type", multiple=True, metavar="OID", expose_value=False,
                     callback=_policy_cb("legacy_content_types"),
                     help="Accept this SOD eContentType too (allow-list, e.g. 1.3.27.1.1.1; repeatable).")(f)
    f = click.option("--require-key-usage", is_flag=True, expose_value=False,
                     callback=_policy_cb("require_key_usage"),
                     help="Strict profile: a DSC without keyUsage fails.")(f)
    f = click.option("--time-reference", type=click.Choice(["now", "signing-time", "read-time"]),
                     expose_value=False, callback=_policy_cb("time_reference"),
                     help="Time certificate validity is checked at: now (default, or --at), the SOD's "
                          "signing time, or the dump's read time.")(f)
    f = click.option("--revocation", type=click.Choice(["if-available", "require", "off"]), expose_value=False,
                     callback=_policy_cb("revocation"),
                     help="CRL policy: if-available (default; no CRL is not_supported), require, off.")(f)
    f = click.option("--binding-key", type=click.Path(dir_okay=False), expose_value=False,
                     callback=_policy_cb("binding_key"),
                     help="The installation's binding key file (>= 16 random bytes, kept apart from records): "
                          "a read records a keyed MAC binding the access password to DG1, a verification "
                          "proves it.")(f)
    f = click.option("--require-crl", is_flag=True, expose_value=False, callback=_policy_cb("require_crl"),
                     help="Revocation must be known: no CRL for the DSC's CSCA makes the result undetermined "
                          "(same as --revocation require).")(f)
    for param in f.__click_params__[before:]:
        param.help_group = "Verification policy"
    return f


def make_policy(at=None, options: Optional[dict] = None):
    """The verification Policy from ``--at`` and the policy options of the current command."""
    from cccd_chip.verify.passive import Policy

    if options is None:
        ctx = click.get_current_context(silent=True)
        options = dict(ctx.meta.get(POLICY_META, {})) if ctx is not None else {}
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


def build_trust_store(csca=(), masterlist=(), masterlist_root=(), crl=(), ldif=()):
    """The trust store from the trust options (docs/verification.md §1: the trust model)."""
    if masterlist and not masterlist_root:
        raise UsageError("--masterlist needs --masterlist-root: a master list is trusted only when its signer "
                         "chains to a root you name")
    known = _trust_known()
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


def verify(doc: Any, store: Any, at: Any = None, policy: Any = None) -> Any:
    """Verify ``doc`` against ``store`` (an empty store when None) under the command's policy: a Report."""
    from cccd_chip.pki.trust_store import TrustStore
    from cccd_chip.verify.document_check import verify_document

    if store is None:
        store = TrustStore()
    return verify_document(doc, store, policy=policy if policy is not None else make_policy(at))
