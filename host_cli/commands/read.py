"""``cccd read``: read a document from a reader, a virtual card or a recorded trace, then verify it."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from cccd_chip.errors import CccdError

from .. import biometrics, render
from ..credentials import make_credential
from ..exit_codes import ExitCode, exit_code_for
from ..failure import errors_as_json
from ..options import DEFAULT_MAX_SECONDS, GroupedCommand, chip_options, credential_options, open_source, \
    option_group, read_budget, source_options
from ..paths import prepare_output, save_face
from ..progress import file_progress
from ..trust import build_trust_store, make_policy, parse_at, trust_options, verify

log = logging.getLogger("cccd")


@click.command("read", cls=GroupedCommand)
@credential_options
@source_options
@trust_options
@click.option("--out", type=click.Path(), help="Write a dump (folder, or a .json or .cbor file).")
@click.option("--trace", "trace_path", type=click.Path(), help="Record the APDU trace to this file.")
@click.option("--face", type=click.Path(), help="Save the face image (JPEG, or PNG for JPEG2000).")
@click.option("--fingers", type=click.Path(), help="Save one PNG per fingerprint of DG3 into this folder (0600).")
@click.option("--iris", type=click.Path(), help="Save one PNG per iris image of DG4 into this folder (0600).")
@click.option("--allow-bac-fallback", is_flag=True, help="Try BAC when PACE fails (reported).")
@click.option("--bac", "force_bac", is_flag=True, help="Use BAC even when PACE is offered.")
@click.option("--extended/--no-extended", "extended", default=None,
              help="Force extended-length APDUs on or off (default: detect).")
@click.option("--max-le", type=click.IntRange(1, 256), default=256, show_default=True,
              help="Cap on short Le (quirky readers or chips).")
@chip_options
@option_group(
    "Terminal Authentication (DG3/DG4, docs/eac.md)",
    (("--terminal-chain", "terminal_chain"),
     {"type": click.Path(), "metavar": "DIR",
      "help": "Folder of the inspection system's CV certificates (*.cvcert: CVCA, links, DV, IS)."}),
    (("--terminal-key", "terminal_key"),
     {"type": click.Path(), "metavar": "KEY",
      "help": "The IS private key (PEM/DER PKCS#8; encrypted: password in CCCD_TERMINAL_KEY_PASSWORD)."}),
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def read(can, id12, mrz, doc, dob, doe, reader, virtual, replay, wait, csca, masterlist, masterlist_root,
         crl, ldif, out, trace_path, face, allow_bac_fallback, force_bac, as_json, extended=None, max_le=256,
         at=None, allow_explicit_domain=False, max_apdus=None, max_seconds=DEFAULT_MAX_SECONDS, fingers=None,
         iris=None, terminal_chain=None, terminal_key=None):
    """Read a document from a reader, a virtual card or a recorded trace."""
    from cccd_chip.document import DUMP_FILE_SUFFIXES
    from cccd_chip.reader import ReadOptions, ReadStats, read_document

    errors_as_json(as_json)
    cred = make_credential(can, id12, mrz, doc, dob, doe)
    store = build_trust_store(csca, masterlist, masterlist_root, crl, ldif)
    at_time = parse_at(at)
    policy = make_policy(at_time)  # option errors before the card is touched
    if out:
        prepare_output(out, "dump", folder_ok=Path(out).suffix.lower() not in DUMP_FILE_SUFFIXES)
    if trace_path:
        prepare_output(trace_path, "trace")
    if face:
        prepare_output(face, "face image")
    biometric_folders = biometrics.prepare_all(fingers, iris)
    terminal = load_terminal(terminal_chain, terminal_key)
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
                       budget=read_budget(max_apdus, max_seconds), binding_key=policy.binding_key,
                       terminal=terminal)
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
        save_face(document, face)
    written = biometrics.save_all(document, biometric_folders)
    if as_json:
        render.print_json(render.read_json(document, report, stats))
    else:
        render.human_read(document, report, stats)
        biometrics.echo_written(written)
    return exit_code_for(report)


def load_terminal(chain_dir, key):
    """``--terminal-chain`` + ``--terminal-key`` -> access.ta.Terminal (both or neither; exit 2 otherwise)."""
    from cccd_chip.errors import UsageError

    if chain_dir is None and key is None:
        return None
    if chain_dir is None or key is None:
        raise UsageError("give both --terminal-chain and --terminal-key (or neither)")
    from cccd_chip.access.ta import Terminal

    return Terminal.load(chain_dir, key)


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
