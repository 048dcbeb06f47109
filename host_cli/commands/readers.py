"""``cccd readers``: the PC/SC readers, card presence and ATR."""

from __future__ import annotations

import click

from cccd_chip.safe_text import visible

from .. import render
from ..exit_codes import ExitCode
from ..failure import errors_as_json
from ..options import GroupedCommand


@click.command("readers", cls=GroupedCommand)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def readers(as_json):
    """List PC/SC readers, card presence and ATR."""
    from cccd_chip.transport.pcsc import list_readers

    errors_as_json(as_json)
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
    return ExitCode.OK
