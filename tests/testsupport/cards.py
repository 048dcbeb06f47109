"""Virtual cards for tests: personalised on first use into one session folder, then reused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Mapping

import pytest

#: A card variant: changes the personalisation (through the MonkeyPatch) before the card is made.
Variant = Callable[[pytest.MonkeyPatch], None]


class Cards:
    """``get(profile, seed, *faults, variant=...)`` -> the card folder, made once per session.

    ``variants`` names extra ways to personalise (e.g. the kiosk tests' JPEG2000 face); a
    variant is applied only while its card is made.
    """

    def __init__(self, root: Path, variants: Mapping[str, Variant] | None = None) -> None:
        self.root = root
        self.variants = dict(variants or {})
        self._made: dict[tuple[str, int, tuple[str, ...], str], Path] = {}

    def get(self, profile: str = "cccd-2021", seed: int = 7, *faults: str, variant: str = "") -> Path:
        key = (profile, seed, faults, variant)
        if key not in self._made:
            from cccd_chip.emulator import personalize as pers

            name = "-".join([profile, str(seed), *([variant] if variant else []),
                             *[f.replace(":", "_") for f in faults]])
            with pytest.MonkeyPatch.context() as mp:
                if variant:
                    self.variants[variant](mp)
                self._made[key] = Path(pers.personalize(profile, seed, self.root / name, faults))
        return self._made[key]

    @staticmethod
    def secrets(card: Path) -> dict[str, Any]:
        """The card's secrets (card.json ``secrets``: id, CAN, MRZ fields)."""
        secrets: dict[str, Any] = json.loads((card / "card.json").read_text())["secrets"]
        return secrets


def read_with_trust(tmp: Path, profile: str, seed: int) -> tuple[Any, Any]:
    """A virtual card of ``profile``/``seed`` personalised in ``tmp``, read in-process with its CAN
    (fixed randomness), and a trust store holding its CSCA: ``(Document, TrustStore)``."""
    from cccd_chip.emulator import personalize as pers
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.pki.trust_store import TrustStore
    from cccd_chip.reader import Credential, read_document
    from cccd_chip.transport.local import LocalTransport

    card_dir = Path(pers.personalize(profile, seed, tmp / "card"))
    doc = read_document(LocalTransport(Applet(VirtualCard.load(card_dir))),
                        Credential.from_can(Cards.secrets(card_dir)["can"]), rng=lambda n: bytes(range(n)))
    store = TrustStore()
    store.add_path(card_dir / "csca.pem")
    return doc, store


def saved_dump(root: Path, profile: str = "cccd-2021", seed: int = 7, name: str = "dump.json") -> tuple[Path, Path]:
    """A virtual card of ``profile``/``seed`` personalised in ``root / "card"``, read in-process with
    its CCCD id (as ``cccd read`` does) and saved as a single-file dump ``root / name``:
    ``(card folder, dump path)``; the card folder holds its ``csca.pem`` and ``csca.crl``."""
    from cccd_chip.emulator import personalize as pers
    from cccd_chip.emulator.applet import Applet
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.reader import Credential, read_document
    from cccd_chip.transport.local import LocalTransport

    card_dir = Path(pers.personalize(profile, seed, root / "card"))
    card = VirtualCard.load(card_dir)
    doc = read_document(LocalTransport(Applet(card)), Credential.from_cccd_id(card.secrets["id"]))
    doc.save(root / name)
    return card_dir, root / name
