"""``cccd watch``: kiosk mode on one reader (or a row of virtual cards), one record per card."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cccd_chip.errors import OutputError, UsageError
from cccd_chip.safe_text import visible

from .. import render
from ..credentials import FileCredentials, make_credential, prompt_credential
from ..exit_codes import exit_code_for
from ..options import read_budget
from ..trust import build_trust_store, make_policy, verify


@click.command()
@click.option("--reader", help="PC/SC reader name or index.")
@click.option("--virtual", "virtual", multiple=True, type=click.Path(),
              help="Virtual card directory, presented in turn (repeatable; in-process).")
@click.option("--can", help="The same CAN for every card (test kiosks).")
@click.option("--id", "id12", help="The same CCCD ID for every card (test kiosks).")
@click.option("--mrz", help="The same MRZ for every card.")
@click.option("--doc", help="Document number (BAC).")
@click.option("--dob", help="Date of birth YYMMDD.")
@click.option("--doe", help="Date of expiry YYMMDD.")
@click.option("--credentials", "cred_file", type=click.Path(), help="One credential per card, in order.")
@click.option("--out-jsonl", type=click.Path(), help="Append one JSON line per card to this file.")
@click.option("--out-dir", type=click.Path(), help="Write one folder per card (record + dump).")
@click.option("--csca", multiple=True, type=click.Path(), help="CSCA certificate file or folder.")
@click.option("--masterlist", multiple=True, type=click.Path(), help="CSCA master list (CMS).")
@click.option("--masterlist-root", multiple=True, type=click.Path(), help="Certificate that signs the master list.")
@click.option("--crl", multiple=True, type=click.Path(), help="CRL file.")
@click.option("--ldif", multiple=True, type=click.Path(), help="ICAO PKD LDIF file.")
@click.option("--max-cards", type=int, help="Stop after this many cards.")
@click.option("--idle-timeout", type=float, help="Stop when no card came for this many seconds.")
@click.option("--poll", type=float, default=0.2, show_default=True, help="Reader polling interval (s).")
@click.option("--card-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Per-card time budget of a read (s); a card that takes longer is recorded as aborted.")
@click.option("--max-apdus", type=click.IntRange(min=1), default=None,
              help="Per-card APDU budget (default: from the files' declared sizes).")
@click.option("--allow-explicit-domain-parameters", "allow_explicit_domain", is_flag=True,
              help="Accept strong explicit PACE/CA domain parameters (default: ICAO 9303-11 Table 12 only).")
@click.option("--binding-key", type=click.Path(dir_okay=False),
              help="The installation's binding key file: records get a keyed MAC binding the access password "
                   "to DG1 (never stored in --out-dir / next to --out-jsonl).")
@click.option("--json", "as_json", is_flag=True, help="Print each record as a JSON line on stdout.")
def watch(reader, virtual, can, id12, mrz, doc, dob, doe, cred_file, out_jsonl, out_dir, csca, masterlist,
          masterlist_root, crl, ldif, max_cards, idle_timeout, poll, as_json, card_timeout=60.0, max_apdus=None,
          allow_explicit_domain=False, binding_key=None):
    """Kiosk mode: wait for a card, read and verify it, record it, wait for removal, repeat."""
    from cccd_chip.kiosk import CardSource, DumpDirSink, JsonLinesSink, KioskCallbacks, KioskLoop, ScriptedCardSource

    if bool(reader) == bool(virtual):
        raise UsageError("give --reader, or one or more --virtual card directories")
    if bool(out_jsonl) == bool(out_dir):
        raise UsageError("give exactly one of --out-jsonl, --out-dir")
    fixed = [x for x in (can, id12, mrz, doc) if x]
    if fixed and cred_file:
        raise UsageError("give either a fixed credential or --credentials, not both")
    if fixed:
        cred = make_credential(can, id12, mrz, doc, dob, doe)
        credentials = lambda info: cred  # noqa: E731
    elif cred_file:
        credentials = FileCredentials(cred_file)
    elif sys.stdin.isatty():
        credentials = prompt_credential
    else:
        raise UsageError("no credential source: give --can/--id/--mrz/--doc, --credentials, or run on a terminal")
    store = build_trust_store(csca, masterlist, masterlist_root, crl, ldif)
    source: CardSource
    if reader:
        from cccd_chip.transport import pcsc

        source = pcsc.PcscCardSource(reader, poll=poll)  # raises now when PC/SC support is missing
    else:
        source = ScriptedCardSource([_virtual_factory(d) for d in virtual])
        if max_cards is None:
            max_cards = len(virtual)
    sink = JsonLinesSink(out_jsonl) if out_jsonl else DumpDirSink(out_dir)

    def on_record(rec) -> None:
        if as_json:
            sys.stdout.write(render.json_text(rec.to_json(), indent=None, separators=(",", ":")) + "\n")
            sys.stdout.flush()
        else:  # reason and message may quote card data: escaped, one line
            what = (f"verification {rec.verdict}" if rec.status == "complete"
                    else f"{visible(rec.reason)}: {visible(rec.message)}")
            click.echo(f"card {rec.sequence}: {rec.status} ({what})")

    tty = sys.stderr.isatty()
    callbacks = KioskCallbacks(
        on_waiting=None,
        on_card=(lambda info: click.echo(f"card {info.sequence} on {visible(info.reader)}: reading...", err=True)) if tty
        else None,
        on_record=on_record,
        on_removal_wait=(lambda rec: click.echo("remove the card", err=True)) if tty else None,
    )
    from cccd_chip.reader import ReadOptions

    key = None
    if binding_key:
        from cccd_chip.document import load_binding_key

        kp = Path(binding_key).resolve()
        for out in (out_dir, Path(out_jsonl).parent if out_jsonl else None):
            if out is not None and kp.is_relative_to(Path(out).resolve()):
                raise UsageError("the binding key must not be kept with the records (--out-dir / --out-jsonl)")
        key = load_binding_key(binding_key)
    options = ReadOptions(allow_explicit_domain=allow_explicit_domain,
                          budget=read_budget(max_apdus, card_timeout), binding_key=key)
    policy = make_policy(None, {"binding_key": binding_key} if binding_key else {})
    loop = KioskLoop(source, credentials=credentials, sink=sink, trust_store=store, callbacks=callbacks,
                     poll=poll, verify=lambda d, s: verify(d, s, policy=policy), options=options,
                     exit_code_for=exit_code_for)
    if tty:
        click.echo(f"watching {reader or 'virtual cards'}; Ctrl-C to stop", err=True)
    try:
        counts = loop.run(max_cards=max_cards, idle_timeout=idle_timeout)
    except KeyboardInterrupt:
        counts = loop.counts
    except OutputError:  # the record of the current card could not be written: stop cleanly, say so
        c = loop.counts
        click.echo(f"cccd watch: {c.total} cards recorded ({c.complete} complete, {c.aborted} aborted, "
                   f"{c.error} errors) before the output failed; the last card was NOT recorded", err=True)
        raise
    click.echo(f"cccd watch: {counts.total} cards: {counts.complete} complete, {counts.aborted} aborted, "
               f"{counts.error} errors", err=True)
    return 0


def _virtual_factory(directory: str):
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.transport.local import LocalTransport

    card = VirtualCard.load(directory)  # a bad directory fails at start (exit 2), not at its turn

    def make():
        return LocalTransport(Applet(card), reader=f"virtual:{Path(directory).name}")

    return make
