"""``cccd trace replay``: replay a recorded APDU trace strictly (docs/traces.md)."""

from __future__ import annotations

import click

from ..options import credential_options
from ..paths import require_path
from ..trust import trust_options
from .read import read


@click.group("trace")
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
