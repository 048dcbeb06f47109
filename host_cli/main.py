"""The ``cccd`` command (architecture.md §3.2).

Exit codes: 0 done and every check successful; 1 document failed
verification; 2 usage; 3 verification undetermined; 4 reader/card/link
problem (incl. aborted reads); 5 access denied or chip protocol error;
6 malformed data; 70 internal error.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional

import click

from cccd_chip import TOOL_NAME
from cccd_chip.errors import CccdError, ParseError, UsageError
from cccd_chip.safe_text import visible

from . import cmd_archive, render
from .progress import file_progress

log = logging.getLogger("cccd")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNDETERMINED = 0, 1, 2, 3
EXIT_TRANSPORT, EXIT_ACCESS, EXIT_MALFORMED, EXIT_OUTPUT, EXIT_INTERNAL = 4, 5, 6, 7, 70
MAX_INSPECT_BYTES = 4 * 1024 * 1024
MAX_STREAM_LINE = 32 * 1024 * 1024  # one single-file dump per stdin line; no dump is larger (document.py)


class _State:
    json_errors = False


def _fail(err: CccdError, as_json: bool) -> int:
    code = err.exit_code
    if as_json:
        render.print_json({"schema": render.SCHEMA_ERROR, "exit_code": code, "message": str(err),
                           "aborted": code == EXIT_TRANSPORT, **err.context()})
    label = {EXIT_TRANSPORT: "aborted", EXIT_OUTPUT: "output error"}.get(code, "error")
    click.echo(f"cccd: {label}: {visible(err)}", err=True)  # an error may quote a file name or a field
    return code


def install_verbose_options(group: click.Group) -> None:
    """``-v`` works after the subcommand too (``cccd read -v ...``), on every command."""
    for cmd in group.commands.values():
        if isinstance(cmd, click.Group):
            install_verbose_options(cmd)
        if not any("--verbose" in getattr(p, "opts", ()) for p in cmd.params):
            cmd.params.append(grouped("Options", "-v", "--verbose", count=True, expose_value=False,
                                      callback=_verbose_cb,
                                      help="Log protocol steps to stderr (never secrets); -vv for more."))


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: run the click group and map every error to its exit code."""
    install_verbose_options(cli)
    try:
        rv = cli.main(args=argv, prog_name="cccd", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as e:
        code = e.exit_code
    except click.ClickException as e:
        click.echo(f"cccd: usage: {visible(e.format_message())}", err=True)
        code = EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("cccd: aborted", err=True)
        code = EXIT_TRANSPORT
    except CccdError as e:
        code = _fail(e, _State.json_errors)
    except SystemExit as e:
        if type(sys.stdout).__name__ != "_PacifyFlushWrapper":
            raise
        # click turned a closed stdout pipe (EPIPE) into exit 1 -- "document failed" to us: it is an output error
        code = _output_lost(BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE)))
        del e
    except OSError as e:
        if e.errno not in OUTPUT_ERRNOS:
            if os.environ.get("CCCD_DEBUG"):
                raise
            click.echo(f"cccd: internal error ({type(e).__name__}); set CCCD_DEBUG=1 for details", err=True)
            code = EXIT_INTERNAL
        else:  # stdout is a full disk, /dev/full, a closed pipe ...
            code = _output_lost(e)
    except KeyboardInterrupt:
        click.echo("cccd: aborted (interrupted)", err=True)
        code = EXIT_TRANSPORT
    except Exception as e:  # a bug: one line, no traceback unless asked
        if os.environ.get("CCCD_DEBUG"):
            raise
        click.echo(f"cccd: internal error ({type(e).__name__}); set CCCD_DEBUG=1 for details", err=True)
        code = EXIT_INTERNAL
    try:
        sys.stdout.flush()  # buffered output not yet written: its failure is an output error, not a crash
    except OSError as e:
        code = _output_lost(e)
    sys.exit(code)


OUTPUT_ERRNOS = {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


def _output_lost(e: OSError) -> int:
    """Standard output could not be written: exit 7 with a message on stderr; stdout goes to /dev/null so
    that Python's own flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    try:
        click.echo(f"cccd: output error: cannot write standard output: {e.strerror or type(e).__name__}", err=True)
    except OSError:
        pass
    return EXIT_OUTPUT


class GroupedCommand(click.Command):
    """A command whose ``--help`` lists options in sections (Credential, Source, ...)."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                sections.setdefault(getattr(param, "help_group", "Options"), []).append(record)
        for title, rows in sections.items():
            with formatter.section(title):
                formatter.write_dl(rows)


class CccdGroup(click.Group):
    command_class = GroupedCommand


def grouped(group: str, *decls: str, **attrs) -> click.Option:
    """A click option that ``GroupedCommand`` lists under ``group``."""
    opt = click.Option(decls, **attrs)
    opt.help_group = group  # type: ignore[attr-defined]
    return opt


def _options(group: str, *specs: tuple) -> Callable[[Any], Any]:
    """Decorator adding options in the order given (click lists them as added)."""

    def deco(f):
        params = getattr(f, "__click_params__", [])
        for decls, attrs in reversed(specs):
            params.append(grouped(group, *decls, **attrs))
        f.__click_params__ = params
        return f

    return deco


def _set_verbosity(verbose: int) -> None:
    level = logging.WARNING if not verbose else (logging.INFO if verbose == 1 else logging.DEBUG)
    root = logging.getLogger()
    if not any(getattr(h, "_cccd", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(DataSafeFormatter("%(name)s: %(message)s"))
        handler._cccd = True  # type: ignore[attr-defined]
        root.handlers[:] = [handler]
    root.setLevel(min(root.level or logging.WARNING, level) if verbose else level)


def _verbose_cb(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value:
        _set_verbosity(value)
    return value


@click.group(cls=CccdGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(TOOL_NAME.split()[-1], prog_name="cccd")
@click.option("-v", "--verbose", count=True, help="Log protocol steps to stderr (never secrets); -vv for more.")
def cli(verbose: int) -> None:
    """Read and verify chip identity documents (Vietnamese CCCD, ICAO 9303 eMRTD)."""
    _set_verbosity(verbose)


class DataSafeFormatter(logging.Formatter):
    """Log lines whose arguments (data: names, reasons, file names) are escaped visibly.

    The format strings are the tool's own; every ``%s`` argument may come from a card
    or a file, so a line break or an escape sequence in it can neither forge a log
    line nor drive the terminal (cccd_chip.safe_text).
    """

    def format(self, record: logging.LogRecord) -> str:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record = logging.makeLogRecord(record.__dict__)
            record.args = tuple(visible(a) if isinstance(a, str) else a for a in args)
        return super().format(record)


# --- credential and source options -------------------------------------------

credential_options: Callable[[Any], Any] = _options(
    "Credential (exactly one of --can, --id, --mrz, --doc)",
    (("--can",), dict(help="Card access number (6 digits).")),
    (("--id", "id12"), dict(help="CCCD 12-digit ID number (CAN = last 6 digits; with --dob/--doe BAC "
                                 "is possible too).")),
    (("--mrz",), dict(help="The MRZ (TD1, TD2 or TD3), lines separated by any whitespace.")),
    (("--doc",), dict(help="Document number (BAC, with --dob and --doe).")),
    (("--dob",), dict(help="Date of birth YYMMDD.")),
    (("--doe",), dict(help="Date of expiry YYMMDD (991231: no expiry).")),
)


def require_path(path, what: str) -> Path:
    """An input path that must exist: a missing one is a usage error naming the full path."""
    p = Path(path)
    if not os.path.lexists(p):
        raise UsageError(f"{what} not found: {p.absolute()}")
    return p


def prepare_output(path, what: str, *, folder_ok: bool = False) -> Path:
    """Check an output path before any card is touched; create its parent folders.

    Every output (``--out``, ``--trace``, ``--face``, ...) follows one rule: missing
    parents are created, an existing folder where a file is expected, or a parent
    that cannot be created or written, is a usage error naming the full path.
    """
    p = Path(path)
    if p.is_dir() and not folder_ok:
        raise UsageError(f"{what} {p.absolute()} is a folder; give a file name")
    parent = p.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the folder of {what} {parent}: {e.strerror or e}") from None
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {what} into {parent}")
    return p


def make_credential(can, id12, mrz, doc, dob, doe):
    from cccd_chip.reader import Credential

    given = [x for x in (can, id12, mrz, doc) if x]
    if len(given) != 1:
        raise UsageError("give exactly one of --can, --id, --mrz, --doc")
    if can:
        return Credential.from_can(can)
    if id12:
        return Credential.from_cccd_id(id12, dob, doe)
    if mrz:
        return Credential.from_mrz_text(mrz)
    if not (dob and doe):
        raise UsageError("--doc needs --dob and --doe")
    return Credential.from_mrz(doc, dob, doe)


source_options: Callable[[Any], Any] = _options(
    "Source (exactly one of --reader, --virtual, --replay)",
    (("--reader", "reader"), dict(help="PC/SC reader name or index (see `cccd readers`).")),
    (("--virtual", "virtual"), dict(type=click.Path(), help="Virtual card directory (in-process).")),
    (("--replay", "replay"), dict(type=click.Path(), help="Replay a recorded APDU trace.")),
    (("--wait",), dict(type=click.FloatRange(0), default=0.0, help="Seconds to wait for a card.")),
)


def open_source(reader, virtual, replay, wait=0.0):
    """(transport, rng, source label, replayer or None)."""
    from cccd_chip.reader import system_rng

    given = [x for x in (reader, virtual, replay) if x is not None]
    if len(given) != 1:
        raise UsageError("give exactly one of --reader, --virtual, --replay")
    if virtual is not None:
        require_path(virtual, "virtual card folder")
        from cccd_chip.emulator.applet import Applet
        from cccd_chip.emulator.card import VirtualCard
        from cccd_chip.transport.local import LocalTransport

        card = VirtualCard.load(virtual)
        return LocalTransport(Applet(card)), system_rng, f"emulator:{card.profile} seed={card.seed}", None
    if replay is not None:
        require_path(replay, "trace")
        from cccd_chip.transport.trace import TraceReplayer

        rep = TraceReplayer(replay)
        return rep, rep.rng, (rep.header.source if rep.header else None) or "replay", rep
    from cccd_chip.transport.pcsc import PcscTransport

    t = PcscTransport(reader, wait=wait)
    return t, system_rng, f"pcsc:{t.reader}", None


_trust_options: Callable[[Any], Any] = _options(
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
            click.echo(known_cscas.describe(name), err=True)
            for k in known_cscas.bundle(name):
                store.add_csca(known_cscas.certificate(k), source=f"known:{name}")
    return store


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


def verify(doc, store, at=None, policy=None):
    try:
        from cccd_chip.verify.document_check import verify_document
    except ImportError:
        return None
    if store is None:
        from cccd_chip.pki.trust_store import TrustStore

        store = TrustStore()
    return verify_document(doc, store, policy=policy if policy is not None else make_policy(at))


def exit_for(report) -> int:
    if report is None:
        return EXIT_OK
    v = report.overall.value
    return {"successful": EXIT_OK, "failed": EXIT_FAILED, "undetermined": EXIT_UNDETERMINED,
            "aborted": EXIT_TRANSPORT}.get(v, EXIT_OK)


DEFAULT_MAX_SECONDS = 120.0


def chip_options(f):
    """What a chip may impose on a read: explicit domain parameters, APDUs, time (issue 10)."""
    f = click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_MAX_SECONDS,
                     show_default=True, help="Abort a read (exit 4) that takes longer than this.")(f)
    f = click.option("--max-apdus", type=click.IntRange(min=1), default=None,
                     help="Abort a read (exit 4) after this many APDUs (default: from the files' declared "
                          "sizes plus a per-card allowance).")(f)
    f = click.option("--allow-explicit-domain-parameters", "allow_explicit_domain", is_flag=True,
                     help="Accept explicit PACE/CA domain parameters from the chip (only strong ones: "
                          "curves >= 224 bits, DH p >= 2048 / q >= 224 bits). Default: ICAO 9303-11 "
                          "Table 12 domains only.")(f)
    return f


def read_budget(max_apdus, max_seconds):
    from cccd_chip.channel import ReadBudget

    return ReadBudget(max_apdus=max_apdus, max_seconds=max_seconds)


# --- commands -------------------------------------------------------------------

@cli.command()
@credential_options
@source_options
@trust_options
@click.option("--out", type=click.Path(), help="Write a dump (folder, or a .json file).")
@click.option("--trace", "trace_path", type=click.Path(), help="Record the APDU trace to this file.")
@click.option("--face", type=click.Path(), help="Save the face image (JPEG, or PNG for JPEG2000).")
@click.option("--allow-bac-fallback", is_flag=True, help="Try BAC when PACE fails (reported).")
@click.option("--bac", "force_bac", is_flag=True, help="Use BAC even when PACE is offered.")
@click.option("--extended/--no-extended", "extended", default=None,
              help="Force extended-length APDUs on or off (default: detect).")
@click.option("--max-le", type=click.IntRange(1, 256), default=256, show_default=True,
              help="Cap on short Le (quirky readers or chips).")
@chip_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def read(can, id12, mrz, doc, dob, doe, reader, virtual, replay, wait, csca, masterlist, masterlist_root,
         crl, ldif, out, trace_path, face, allow_bac_fallback, force_bac, as_json, extended=None, max_le=256,
         at=None, allow_explicit_domain=False, max_apdus=None, max_seconds=DEFAULT_MAX_SECONDS):
    """Read a document from a reader, a virtual card or a recorded trace."""
    from cccd_chip.reader import ReadOptions, ReadStats, read_document

    _State.json_errors = as_json
    cred = make_credential(can, id12, mrz, doc, dob, doe)
    store = build_trust_store(csca, masterlist, masterlist_root, crl, ldif)
    at_time = parse_at(at)
    policy = make_policy(at_time)  # option errors before the card is touched
    if out:
        prepare_output(out, "dump", folder_ok=Path(out).suffix.lower() != ".json")
    if trace_path:
        prepare_output(trace_path, "trace")
    if face:
        prepare_output(face, "face image")
    transport, rng, source, replayer = open_source(reader, virtual, replay, wait)
    base = transport
    recorder = None
    if trace_path:
        from cccd_chip.transport.trace import TraceRecorder

        recorder = TraceRecorder(transport, trace_path, rng=rng, source=source)
        transport, rng = recorder, recorder.rng
    stats = ReadStats()
    opts = ReadOptions(allow_bac_fallback=allow_bac_fallback, force="BAC" if force_bac else None,
                       extended=extended, max_le=max_le, allow_explicit_domain=allow_explicit_domain,
                       budget=read_budget(max_apdus, max_seconds), binding_key=policy.binding_key)
    try:
        with file_progress() as progress:
            document = read_document(transport, cred, rng=rng, options=opts, progress=progress,
                                     source=source, stats=stats)
        if replayer is not None:
            replayer.finish()
    finally:
        if recorder is not None:
            recorder.save()  # an aborted read keeps its trace too (ends with the "removed" event)
        close = getattr(base, "close", None)
        if close:
            close()
    log.info("%d APDUs, %d bytes sent, %d received, extended length %s%s", stats.apdus, stats.bytes_sent,
             stats.bytes_received, {True: "on", False: "off", None: "unused"}[stats.extended],
             "".join(f"; {a}" for a in stats.adaptations))
    report = verify(document, store, at_time, policy)
    _note_unused_dates(cred, document)
    if out:
        document.save(out)
    if face:
        _save_face(document, face)
    if as_json:
        render.print_json(render.read_json(document, report, stats))
    else:
        render.human_read(document, report, stats)
    return exit_for(report)


def _note_unused_dates(cred, document) -> None:
    """--dob/--doe given but access used the CAN: say so, and whether DG1 agrees (no values shown)."""
    if not (cred.can and (cred.date_of_birth or cred.date_of_expiry)):
        return
    access = getattr(document, "access", None)
    if access is None or getattr(access, "password", None) != "CAN":
        return
    raw = document.get("DG1")
    if raw is None:
        click.echo("cccd: note: --dob/--doe were not used (access with the CAN) and there is no DG1 to "
                   "check them against", err=True)
        return
    from cccd_chip.lds import dg1

    try:
        parsed = dg1.parse(raw)
    except CccdError:
        return
    wrong = [flag for flag, given, on_chip in (("--dob", cred.date_of_birth, parsed.date_of_birth),
                                               ("--doe", cred.date_of_expiry, parsed.date_of_expiry))
             if given and given != on_chip]
    if wrong:
        verb = "do" if len(wrong) > 1 else "does"
        click.echo(f"cccd: note: {' and '.join(wrong)} {verb} not match DG1 (not used: access with the CAN)", err=True)
    else:
        click.echo("cccd: note: --dob/--doe were not used for access (CAN); they match DG1", err=True)


def _save_face(document, path):
    raw = document.get("DG2")
    if raw is None:
        raise UsageError("no DG2 (face) was read")
    from cccd_chip.document import write_private
    from cccd_chip.lds import dg2

    suffix = Path(path).suffix.lower().lstrip(".")
    data = dg2.export_face(dg2.parse(raw), suffix if suffix in ("jpeg", "jpg", "png") else "auto")
    write_private(Path(path), data)  # 0600 like a dump: a face is personal data (issue 10, defect 10)


@cli.command("verify")
@click.argument("dumps", nargs=-1, type=click.Path())
@trust_options
@click.option("--stream", is_flag=True,
              help="Read single-file dumps (JSON, one per line) from standard input.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Processes for many dumps (default: every core; 1: in this process).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Many dumps: one JSON line per dump, as they finish.")
@cmd_archive.archive_options
def verify_cmd(dumps, csca, masterlist, masterlist_root, crl, ldif, stream, workers, as_json, as_jsonl, at=None,
               **archive):
    """Re-verify dumps offline: one dump, several, folders of dumps, or a stream on stdin.

    One dump prints its report. Many dumps are verified on every core (shared
    caches per process) and print one line each; the exit code is the worst:
    1 if any failed, else 6 if any dump is malformed, else 3 if any is undetermined.
    Archives (folder trees, .jsonl, .zip, .tar) with --engine process|dask: see docs/archive.md.
    """
    from cccd_chip.document import Document

    _State.json_errors = as_json
    policy = make_policy(parse_at(at))
    if cmd_archive.wanted(dumps, **archive):
        return cmd_archive.run(dumps, build_trust_store(csca, masterlist, masterlist_root, crl, ldif), policy,
                               workers=workers, stream=stream, as_json=as_json, **archive)
    if not dumps and not stream:
        raise UsageError("give one or more dumps (folders or .json files), or --stream")
    store = build_trust_store(csca, masterlist, masterlist_root, crl, ldif)  # option errors first
    for d in dumps:  # a path where nothing exists is a usage error; a folder without a dump is exit 6
        p = require_path(d, "dump")
        if p.name == "dump.json" and any(p.parent.glob("*.bin")):
            raise UsageError(f"{p.absolute()} is the manifest of a folder dump: pass the folder "
                             f"{p.parent.absolute()}")
    if len(dumps) == 1 and not stream and not _is_dump_folder_of_dumps(dumps[0]) and not as_jsonl:
        document = Document.load(_named(dumps[0]))
        report = verify(document, store, policy=policy)
        if report is None:
            raise UsageError("verification is not available in this build")
        if as_json:
            render.print_json(render.verify_json(report, str(dumps[0])))
        else:
            render.human_report(report)
        return exit_for(report)
    return _verify_many(dumps, stream, workers, policy, as_json, as_jsonl, store)


def _named(path) -> Path:
    """A dump path the operator named: a symlink given on the command line is the operator's choice and is
    resolved here; inside a dump folder (and in folders of dumps) symlinks are never followed."""
    p = Path(path)
    return p.resolve() if p.is_symlink() else p


def _is_dump_folder_of_dumps(path: str) -> bool:
    p = Path(path)
    return p.is_dir() and not (p / "dump.json").exists()


def _batch_items(dumps, stream):
    from cccd_chip.verify.batch import InlineDump, dump_paths

    for d in dumps:
        if _is_dump_folder_of_dumps(d):
            found = False
            for p in dump_paths(d):
                found = True
                yield p
            if not found:  # no dump in it: the folder itself fails to load ("no dump.json"), exit 6
                yield Path(d)
        else:
            yield _named(d)
    if stream:
        src = sys.stdin.buffer
        n = 0
        while True:
            line = src.readline(MAX_STREAM_LINE + 1)  # bounded: a line without end is not read whole
            if not line:
                break
            n += 1
            if len(line) > MAX_STREAM_LINE:
                while line and not line.endswith(b"\n"):  # skip the rest of it in bounded pieces
                    line = src.readline(1 << 16)
                yield InlineDump(b"", f"stdin:{n}", oversized=True)
            elif line.strip():
                yield InlineDump(line, f"stdin:{n}")


def _verify_many(dumps, stream, workers, policy, as_json, as_jsonl, store) -> int:
    from cccd_chip.pki.trust_store import TrustStore
    from cccd_chip.verify.batch import verify_many

    counts = {"successful": 0, "failed": 0, "undetermined": 0, "error": 0}
    results = []
    for r in verify_many(_batch_items(dumps, stream), store or TrustStore(), policy=policy, workers=workers):
        key = r.report.overall.value if r.report is not None else (
            "internal" if (r.error or {}).get("reason") == "INTERNAL" else "error")
        counts[key] = counts.get(key, 0) + 1
        if as_jsonl:
            sys.stdout.write(render.json_text(r.to_json(), indent=None) + "\n")
            sys.stdout.flush()
        elif as_json:
            results.append(r.to_json())
        else:
            click.echo(_batch_line(r))
    total = sum(counts.values())
    if total == 0:  # e.g. an empty stream: "0 dumps" is never a success (issue 10, defect 4)
        if as_json:
            render.print_json({"schema": render.SCHEMA_VERIFY_BATCH, "count": 0, "summary": counts,
                               "trust_store_version": store.version if store is not None else None,
                               "results": []})
        click.echo("cccd verify: error: no dump found", err=True)
        return EXIT_MALFORMED
    if as_json:
        render.print_json({"schema": render.SCHEMA_VERIFY_BATCH, "count": total, "summary": counts,
                           "trust_store_version": store.version if store is not None else None,
                           "results": results})
    click.echo(f"cccd verify: {total} dumps: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v),
               err=True)
    if counts.get("internal"):
        return EXIT_INTERNAL  # a bug on some input (each one is a result line; the batch went on)
    if counts["failed"]:
        return EXIT_FAILED
    if counts["error"]:
        return EXIT_MALFORMED
    if counts["undetermined"] or counts.get("aborted"):
        return EXIT_UNDETERMINED
    return EXIT_OK


def _batch_line(r) -> str:
    """One line per dump; the source, subjects and messages are data and escaped (one line, no controls)."""
    if r.report is None:
        return f"{visible(r.source)}: error {visible(r.error.get('reason'))}: {visible(r.error.get('message'))}"
    bad = [f"{c.check}{' ' + visible(c.subject) if c.subject else ''} {c.reason.value}" for c in r.report.checks
           if c.verdict.value in ("failed", "undetermined")]
    return f"{visible(r.source)}: {r.report.overall.value}" + (f" ({'; '.join(bad)})" if bad else "")


class PersonalizeCommand(GroupedCommand):
    """``cccd personalize --help`` lists the profiles and faults of this installation."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from cccd_chip.emulator import faults as fault_mod
        from cccd_chip.emulator.profiles import PROFILES

        with formatter.section("Profiles"):
            formatter.write_dl([(name, p.description) for name, p in PROFILES.items()])
        groups = [("data (personalisation)", fault_mod.DATA_FAULTS), ("PKI", fault_mod.PKI_FAULTS),
                  ("keys", fault_mod.KEY_FAULTS), ("runtime (chip behaviour)", fault_mod.RUNTIME_FAULTS)]
        with formatter.section("Faults (--fault NAME[:ARG], repeatable, composable)"):
            formatter.write_dl([(title, ", ".join(names)) for title, names in groups if names])
            formatter.write_paragraph()
            formatter.write_text("ARG: a data group (dg-altered:DG2), an APDU number (remove:40, bad-mac:12) "
                                 "or SW and file (sw:6A82:DG2). Details: docs/emulator.md in the source tree.")
        from cccd_chip.emulator.quirks import QUIRKS

        with formatter.section("Quirks of real chips and issuers (--quirk NAME[:ARG]; docs/field-quirks.md)"):
            formatter.write_dl([(q.name + (f":{q.arg}" if q.arg else ""), q.summary) for q in QUIRKS.values()])


@cli.command(cls=PersonalizeCommand)
@click.option("--profile", default="cccd-2021", show_default=True, metavar="NAME",
              help="Card profile (listed below).")
@click.option("--seed", type=click.IntRange(0), default=1, show_default=True,
              help="Holder, keys and face follow from the seed: same seed, same card.")
@click.option("--out", required=True, type=click.Path(), help="Folder to write the card into.")
@click.option("--fault", "faults", multiple=True, metavar="NAME[:ARG]",
              help="Named fault (repeatable), e.g. dg-altered:DG2, remove:40 (listed below).")
@click.option("--quirk", "quirks", multiple=True, metavar="NAME[:ARG]",
              help="Field quirk of real chips / issuers (repeatable, composes with faults; listed below).")
@click.option("--json", "as_json", is_flag=True, help="Print the card folder and its credentials as JSON.")
def personalize(profile, seed, out, faults, quirks, as_json):
    """Personalise a virtual card into a folder and print how to read it.

    The folder holds the card's files, keys and test PKI (csca.pem). The
    credentials printed are those of an invented holder of a test card.
    """
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.emulator.personalize import personalize as do

    prepare_output(out, "card folder", folder_ok=True)
    d = do(profile, seed, out, faults, quirks)
    secrets = VirtualCard.load(d).secrets
    extra = f", faults {', '.join(faults)}" if faults else ""
    extra += f", quirks {', '.join(quirks)}" if quirks else ""
    if as_json:
        render.print_json({"schema": "cccd-personalize/1", "card": str(d), "profile": profile, "seed": seed,
                           "faults": list(faults), "quirks": list(quirks), "credentials": {k: v for k, v in secrets.items() if v}})
        return EXIT_OK
    click.echo(f"virtual card ({profile}, seed {seed}{extra}) written to {d}")
    labels = (("id", "ID (12 digits)"), ("can", "CAN"), ("document_number", "document number"),
              ("date_of_birth", "date of birth"), ("date_of_expiry", "date of expiry"))
    for key, label in labels:
        if secrets.get(key):
            click.echo(f"  {label + ':':17} {secrets[key]}")
    if secrets.get("mrz"):
        click.echo("  MRZ:              " + "\n                    ".join(str(secrets["mrz"]).splitlines()))
    cred = f"--id {secrets['id']}" if secrets.get("id") else (
        f"--doc {secrets['document_number']} --dob {secrets['date_of_birth']} --doe {secrets['date_of_expiry']}")
    click.echo(f"read it:  cccd read --virtual {d} {cred} --csca {Path(d) / 'csca.pem'}")
    return EXIT_OK


@cli.group()
def trace():
    """Recorded APDU traces."""


@trace.command("replay")
@click.argument("file", type=click.Path())
@credential_options
@trust_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def trace_replay(file, can, id12, mrz, doc, dob, doe, csca, masterlist, masterlist_root, crl, ldif, as_json,
                 at=None):
    """Replay a trace strictly (same as `cccd read --replay FILE`)."""
    require_path(file, "trace")
    ctx = click.get_current_context()
    return ctx.invoke(read, can=can, id12=id12, mrz=mrz, doc=doc, dob=dob, doe=doe, reader=None, virtual=None,
                      replay=file, wait=0.0, csca=csca, masterlist=masterlist, masterlist_root=masterlist_root,
                      crl=crl, ldif=ldif, out=None, trace_path=None, face=None, allow_bac_fallback=False,
                      force_bac=False, as_json=as_json, extended=None, max_le=256, at=at)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def readers(as_json):
    """List PC/SC readers, card presence and ATR."""
    from cccd_chip.transport.pcsc import list_readers

    _State.json_errors = as_json
    rs = list_readers()
    if as_json:
        render.print_json({"schema": render.SCHEMA_READERS, "readers": [
            {"index": r.index, "name": r.name, "card_present": r.card_present,
             "atr": r.atr.hex().upper() if r.atr else None} for r in rs]})
    else:
        if not rs:
            click.echo("no readers")
        for r in rs:
            state = f"card present, ATR {r.atr.hex().upper()}" if r.card_present and r.atr else (
                "card present" if r.card_present else "no card")
            click.echo(f"{r.index}: {visible(r.name)}  [{state}]")
    return EXIT_OK


@cli.command()
@click.option("--profile", default="cccd-2021", show_default=True, help="Virtual card profile (see personalize -h).")
@click.option("--seed", type=click.IntRange(0), default=1, show_default=True, help="Seed of the invented holder.")
def demo(profile, seed):
    """Personalise a virtual CCCD, read it, verify it, show the result."""
    tmp = Path(tempfile.mkdtemp(prefix="cccd-demo-"))
    try:
        return _demo_in(tmp, profile, seed)
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)  # the card folder holds its private keys


def _demo_in(tmp: Path, profile: str, seed: int) -> int:
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.emulator.personalize import personalize as do
    from cccd_chip.reader import Credential, ReadStats, read_document

    card_dir = do(profile, seed, tmp / "card")
    card = VirtualCard.load(card_dir)
    s = card.secrets
    cred = Credential.from_cccd_id(s["id"], s["date_of_birth"], s["date_of_expiry"]) if "id" in s else \
        Credential.from_mrz(s["document_number"], s["date_of_birth"], s["date_of_expiry"])
    transport, note = _demo_transport(card_dir, card)
    stats = ReadStats()
    try:
        document = read_document(transport, cred, stats=stats, source=f"emulator:{profile} seed={seed}")
    finally:
        closer = getattr(transport, "close", None)
        if closer:
            closer()
    store = None
    if (card_dir / "csca.pem").exists():
        crl = (str(card_dir / "csca.crl"),) if (card_dir / "csca.crl").exists() else ()
        store = build_trust_store(csca=(str(card_dir / "csca.pem"),), crl=crl)
    report = verify(document, store)
    click.echo(f"Virtual card: profile {profile}, seed {seed} (a temporary folder, removed afterwards)")
    render.human_read(document, report, stats, note=note)
    return exit_for(report)


def _demo_transport(card_dir, card):
    """Over pcscd + vpcd when they can run, else in-process (saying which part is missing)."""
    from cccd_chip.emulator import vpcd

    try:
        return vpcd.demo_transport(card_dir), "Link: real PC/SC stack (pcscd + vpcd virtual reader)"
    except CccdError as e:
        from cccd_chip.emulator.applet import Applet
        from cccd_chip.transport.local import LocalTransport

        return LocalTransport(Applet(card)), f"Link: in-process (PC/SC path unavailable: {e})"


@cli.command()
@click.argument("path", type=click.Path())
@click.option("--face", type=click.Path(), help="Write the face image of a dump to this file (0600).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def inspect(path, face, as_json):
    """Show any LDS file (or every file of a dump), or an X.509 certificate, in human form.

    Exit 6 when a file is not a well-formed LDS file (its error is shown).
    """
    from cccd_chip.lds import inspect as insp

    _State.json_errors = as_json
    p = require_path(path, "file or dump")
    if face:
        prepare_output(face, "face image")
    files: Optional[dict[str, bytes]] = None
    face_written: Optional[str] = None
    if p.is_dir() or p.suffix == ".json":
        from cccd_chip.document import Document

        d = Document.load(_named(p))
        files = dict(d.files)
        items = {name: insp.describe(name, data) for name, data in sorted(d.files.items())}
        if face:
            _save_face(d, face)
            face_written = str(Path(face).absolute())
    else:
        from cccd_chip.safe_files import read_regular_file

        if not p.exists() and not p.is_symlink():
            raise UsageError(f"cannot read {p}: no such file")
        # a regular file only (a FIFO would hang, /dev/zero exhaust memory), no larger than any LDS file
        data = read_regular_file(p, MAX_INSPECT_BYTES, error=ParseError, follow_symlinks=True)
        items = {p.name: insp.describe(None, data)}
        if items[p.name].get("error"):  # not an LDS file: a CSCA / link / DSC certificate (PEM or DER)?
            from cccd_chip.pki.inspect_cert import describe_certificate

            cert = describe_certificate(data)
            if cert is not None and not cert.get("error"):
                items = {p.name: cert}
    if as_json:
        render.print_json({"schema": render.SCHEMA_INSPECT, "files": render._jsonable(items)})
    else:
        for name in render.sorted_files(items):
            click.echo("\n".join(render.inspect_view(name, items[name], files, face_written)))
    bad = [name for name, desc in items.items() if isinstance(desc, dict) and desc.get("error")]
    if bad:
        click.echo(f"cccd: malformed: {visible(', '.join(bad))}", err=True)
        return EXIT_MALFORMED
    return EXIT_OK


# the emulator's command and kiosk watch mode live in their own modules; they import this module
# as host_cli.main: under `python -m host_cli.main` that name must be this (__main__) module, not a
# second copy that would import them again half-initialised. "__mp_main__" is the same module
# re-imported in a process started by multiprocessing's spawn method (Dask's local-cluster workers)
if __name__ in ("__main__", "__mp_main__"):  # pragma: no cover - exercised by every subprocess test
    sys.modules.setdefault("host_cli.main", sys.modules[__name__])
from .cmd_emulate import emulate as _emulate  # noqa: E402
from .cmd_kiosk import kiosk as _kiosk  # noqa: E402
from .cmd_watch import watch as _watch  # noqa: E402

cli.add_command(_emulate)
cli.add_command(_kiosk)
cli.add_command(_watch)
install_verbose_options(cli)

# the verification service (cccd_chip/service, docs/service.md)
def _add_service_commands() -> None:
    from .cmd_keys import keys, purge
    from .cmd_serve import serve

    for command in (keys, purge, serve):
        cli.add_command(command)


_add_service_commands()

# re-verification of the service's stored dumps (cccd_chip/archive, docs/archive.md)
from .cmd_reverify import reverify as _reverify  # noqa: E402

cli.add_command(_reverify)


if __name__ == "__main__":  # pragma: no cover
    main()
