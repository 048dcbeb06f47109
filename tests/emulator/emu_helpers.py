"""Helpers for the emulator tests: in-process reads, verification against the card's own PKI."""

from __future__ import annotations

from pathlib import Path

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.determinism import Drbg
from cccd_chip.reader import Credential, ReadOptions, read_document
from cccd_chip.transport.local import LocalTransport


def credential_for(card: VirtualCard) -> Credential:
    s = card.secrets
    return Credential(s.get("can"), s["document_number"], s["date_of_birth"], s["date_of_expiry"])


def read_card(card_dir, options: ReadOptions = ReadOptions(), applet=None):
    """(document, applet) of one in-process read with a deterministic host RNG."""
    card = VirtualCard.load(card_dir)
    app = applet or Applet(card)
    doc = read_document(LocalTransport(app), credential_for(card), rng=Drbg("test-host"), options=options)
    return doc, app


def verify_dir(doc, card_dir):
    from cccd_chip.pki.trust_store import trust_store_from
    from cccd_chip.verify.document_check import verify_document

    d = Path(card_dir)
    store = trust_store_from([d / "csca.pem"], crls=[d / "csca.crl"])
    return verify_document(doc, store)
