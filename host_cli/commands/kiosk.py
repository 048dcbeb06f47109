"""``cccd kiosk``: the kiosk web screen (cccd_chip/kiosk_web, docs/kiosk.md).

Runs the kiosk loop of ``cccd watch`` behind a local web page: the page shows each card's
state, the holder's data and face, and the verdict. Prints the page's address (with its
access token) on stdout at start-up, then serves until Ctrl-C.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from cccd_chip.errors import UsageError
from cccd_chip.kiosk_web import DEFAULT_CLEAR_AFTER, DEFAULT_HOST, DEFAULT_PORT

from ..credentials import FileCredentials, make_credential
from ..exit_codes import exit_code_for
from ..options import credential_options, read_budget
from ..trust import POLICY_META, build_trust_store, make_policy, parse_at, trust_options, verify


@click.command()
@click.option("--reader", help="PC/SC reader name or index.")
@click.option("--virtual", "virtual", multiple=True, type=click.Path(),
              help="Virtual card directory, presented in turn (repeatable; in-process).")
@click.option("--virtual-dwell", type=float, default=None,
              help="Seconds a virtual card stays on the reader (default: until 'Remove virtual card').")
@click.option("--virtual-gap", type=float, default=2.0, show_default=True,
              help="Seconds between a virtual card's removal and the next card.")
@click.option("--virtual-latency", type=click.FloatRange(0, 1000), default=0.0,
              help="Milliseconds added to every APDU of a virtual card (a slow link, to watch the reading screen).")
@credential_options
@click.option("--credentials", "cred_file", type=click.Path(),
              help="One credential per card, in order (then the keypad).")
@trust_options
@click.option("--out-jsonl", type=click.Path(), help="Append one JSON line per card to this file.")
@click.option("--out-dir", type=click.Path(), help="Write one folder per card (record + dump).")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="TCP port of the page (0: any free port).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True, help="Language of the page.")
@click.option("--clear-after", type=click.FloatRange(1, 3600), default=DEFAULT_CLEAR_AFTER, show_default=True,
              help="Seconds a result stays on screen while the card is still on the reader.")
@click.option("--hold", type=click.FloatRange(0, 60), default=3.0, show_default=True,
              help="Seconds 'card removed' stays on screen before 'waiting'.")
@click.option("--can-attempts", type=click.IntRange(1, 10), default=3, show_default=True,
              help="CAN tries per card on the keypad.")
@click.option("--can-timeout", type=click.FloatRange(5, 3600), default=120.0, show_default=True,
              help="Seconds the keypad waits for a CAN.")
@click.option("--poll", type=click.FloatRange(0.01, 5), default=0.1, show_default=True,
              help="Reader polling interval (s).")
@click.option("--card-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Per-card time budget of a read (s), as cccd watch; a card that takes longer is aborted.")
@click.option("--style", type=click.Path(), help="Your own CSS, loaded after the page's (restyling, docs/kiosk.md).")
@click.option("--url-file", type=click.Path(), help="Also write the page's address to this file (mode 0600).")
def kiosk(reader, virtual, virtual_dwell, virtual_gap, virtual_latency, can, id12, mrz, doc, dob, doe, cred_file, csca, masterlist,
          masterlist_root, crl, ldif, out_jsonl, out_dir, host, port, lang, clear_after, hold, can_attempts,
          can_timeout, poll, card_timeout, style, url_file, at=None):
    """The kiosk web screen: serve a page on loopback and read card after card behind it."""
    import importlib.util

    missing = [n for n in ("fastapi", "uvicorn") if importlib.util.find_spec(n) is None]
    if missing:
        raise UsageError(f"cccd kiosk needs {', '.join(missing)}: install the extra, pip install 'cccd-chip[kiosk]'")
    from cccd_chip.kiosk import DumpDirSink, JsonLinesSink
    from cccd_chip.kiosk_web.server import KioskWeb, KioskWebOptions
    from cccd_chip.kiosk_web.sources import VirtualCardSource

    if bool(reader) == bool(virtual):
        raise UsageError("give --reader, or one or more --virtual card directories")
    if out_jsonl and out_dir:
        raise UsageError("give at most one of --out-jsonl, --out-dir")
    fixed = [x for x in (can, id12, mrz, doc) if x]
    if fixed and cred_file:
        raise UsageError("give either a fixed credential or --credentials, not both")
    credentials = None
    if fixed:
        cred = make_credential(can, id12, mrz, doc, dob, doe)
        credentials = lambda info: cred  # noqa: E731
    elif cred_file:
        credentials = FileCredentials(cred_file)
    policy = make_policy(parse_at(at))  # here: the worker thread has no click context
    key = getattr(policy, "binding_key", None)  # --binding-key (policy option): the records' keyed MAC
    if key is not None:
        ctx = click.get_current_context()
        kp = Path(ctx.meta.get(POLICY_META, {}).get("binding_key", "")).resolve()
        for out in (out_dir, Path(out_jsonl).parent if out_jsonl else None):
            if out is not None and kp.is_relative_to(Path(out).resolve()):
                raise UsageError("the binding key must not be kept with the records (--out-dir / --out-jsonl)")
    from cccd_chip.reader import ReadOptions

    read_options = ReadOptions(budget=read_budget(None, card_timeout), binding_key=key)
    store = build_trust_store(csca, masterlist, masterlist_root, crl, ldif)
    vsource = None
    source: Any
    if reader:
        from cccd_chip.transport import pcsc

        source = pcsc.PcscCardSource(reader, poll=poll)  # fails now (exit 4) when PC/SC support is missing
    else:
        vsource = source = VirtualCardSource(virtual, dwell=virtual_dwell, gap=virtual_gap,
                                              latency=virtual_latency / 1000.0)
    sink = JsonLinesSink(out_jsonl) if out_jsonl else (DumpDirSink(out_dir) if out_dir else None)
    options = KioskWebOptions(host=host, port=port, lang=lang, clear_after=clear_after, hold=hold,
                              can_timeout=can_timeout, credential_attempts=can_attempts, poll=poll,
                              style=style)
    web = KioskWeb(source, sink=sink, credentials=credentials, trust_store=store, read_options=read_options,
                   verify=lambda d, s: verify(d, s, policy=policy), options=options, virtual=vsource,
                   exit_code_for=exit_code_for)
    web.bind()
    if url_file:
        _write_private(url_file, web.url + "\n")
    if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        click.echo(f"cccd kiosk: warning: listening on {host}, not on loopback", err=True)
    click.echo(f"cccd kiosk: open this address in the kiosk browser (Ctrl-C to stop); {reader or 'virtual cards'}",
               err=True)
    sys.stdout.write(web.url + "\n")
    sys.stdout.flush()
    counts = web.serve()
    click.echo(f"cccd kiosk: {counts.total} cards: {counts.complete} complete, {counts.aborted} aborted, "
               f"{counts.error} errors", err=True)
    return 0


def _write_private(path: str, text: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    except OSError as e:
        raise UsageError(f"cannot write {Path(path).name}: {e.strerror}") from None
