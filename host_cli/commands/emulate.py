"""``cccd emulate DIR``: put a virtual card into pcscd's vpcd reader ("Virtual PCD 00 00").

Runs in the foreground until SIGINT / SIGTERM; any PC/SC application
(``cccd readers``, ``cccd read --reader 0``, pcsc_scan, opensc-tool) then
sees the card. See docs/emulator.md and docs/kiosk-ci.md.
"""

from __future__ import annotations

import signal
import sys

import click


@click.command("emulate")
@click.argument("card_dir", type=click.Path())
@click.option("--host", default="127.0.0.1", show_default=True, help="Where vpcd listens.")
@click.option("--port", type=int, default=35963, show_default=True, help="vpcd port (35963 = slot 0).")
@click.option("--reinsert-after", type=float, default=1.0, show_default=True,
              help="Seconds before a removed card (fault remove:N) comes back; negative: never.")
@click.option("--quiet", is_flag=True, help="Do not print link events.")
@click.option("--start-pcscd/--no-start-pcscd", default=True, show_default=True,
              help="When no pcscd runs (and we are root), start one with the vpcd reader for as long as "
                   "this command runs.")
def emulate(card_dir, host, port, reinsert_after, quiet, start_pcscd):
    """Connect the virtual card in CARD_DIR to pcscd's vpcd reader."""
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.emulator.vpcd import OwnPcscd, VpcdLink, pcscd_running

    card = VirtualCard.load(card_dir)
    applet = Applet(card)

    def event(msg: str) -> None:
        if not quiet:
            click.echo(f"cccd emulate: {msg}", err=True)

    link = VpcdLink(applet, host, port, reinsert_after=None if reinsert_after < 0 else reinsert_after,
                    on_event=event)

    def on_signal(signum, _frame):
        event(f"signal {signal.Signals(signum).name}: stopping")
        link.stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    faults = ", ".join(str(f.get("name")) + (f":{f['arg']}" if f.get("arg") else "") for f in card.faults
                       if isinstance(f, dict))
    event(f"card {card.profile} seed {card.seed}, ATR {card.atr.hex().upper()}"
          + (f", faults {faults}" if faults else ""))
    own = None
    if start_pcscd and host in ("127.0.0.1", "localhost") and pcscd_running() is None:
        own = OwnPcscd(port)  # raises a clear ReaderUnavailableError (exit 4) when it cannot
        event(f"no pcscd was running: started one (pid {own.pid}) with the vpcd reader; "
              "it stops with this command")
    try:
        link.serve_forever()
    finally:
        if own is not None:
            own.stop()
    sys.stderr.flush()
    return 0
