"""``cccd demo``: personalise a virtual CCCD, read it, verify it, show the result."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from cccd_chip.errors import CccdError

from .. import render
from ..exit_codes import exit_code_for
from ..options import GroupedCommand
from ..trust import build_trust_store, verify


@click.command("demo", cls=GroupedCommand)
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
    from cccd_chip.reader import Credential, ReadOptions, ReadStats, read_document

    card_dir = do(profile, seed, tmp / "card")
    card = VirtualCard.load(card_dir)
    s = card.secrets
    cred = Credential.from_cccd_id(s["id"], s["date_of_birth"], s["date_of_expiry"]) if "id" in s else \
        Credential.from_mrz(s["document_number"], s["date_of_birth"], s["date_of_expiry"])
    transport, note = _demo_transport(card_dir, card)
    stats = ReadStats()
    options = ReadOptions()
    if (card_dir / "eac" / "chain").is_dir():  # the card set's test inspection system: DG3 after TA (docs/eac.md)
        from cccd_chip.access.ta import Terminal

        options = ReadOptions(terminal=Terminal.load(card_dir / "eac" / "chain", card_dir / "eac" / "is_key.pem"))
    try:
        document = read_document(transport, cred, stats=stats, options=options,
                                 source=f"emulator:{profile} seed={seed}")
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
    return exit_code_for(report)


def _demo_transport(card_dir, card):
    """Over pcscd + vpcd when they can run, else in-process (saying which part is missing)."""
    from cccd_chip.emulator import vpcd

    try:
        return vpcd.demo_transport(card_dir), "Link: real PC/SC stack (pcscd + vpcd virtual reader)"
    except CccdError as e:
        from cccd_chip.emulator.applet import Applet
        from cccd_chip.transport.local import LocalTransport

        return LocalTransport(Applet(card)), f"Link: in-process (PC/SC path unavailable: {e})"
