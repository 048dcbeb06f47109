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

from . import verification
from .options import Decorator, option_group
from .verification import describe_known, parse_at  # noqa: F401 - the commands import them from here

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


def trust_known() -> tuple:
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
    if options is None:
        options = policy_options_given()
    return verification.make_policy(at, options)


def policy_options_given() -> dict:
    """The policy options given to the current command (its context's meta; none outside a command)."""
    ctx = click.get_current_context(silent=True)
    return dict(ctx.meta.get(POLICY_META, {})) if ctx is not None else {}


def build_trust_store(csca=(), masterlist=(), masterlist_root=(), crl=(), ldif=()):
    """The trust store from the trust options of the current command (docs/verification.md §1)."""
    return verification.build_trust_store(csca, masterlist, masterlist_root, crl, ldif, known=trust_known())


def verify(doc: Any, store: Any, at: Any = None, policy: Any = None) -> Any:
    """Verify ``doc`` against ``store`` (an empty store when None) under the command's policy: a Report."""
    return verification.verify(doc, store, policy if policy is not None else make_policy(at))
