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
