"""Shared fixture: personalised card directories (cached per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cccd_chip.emulator.personalize import personalize


@pytest.fixture(scope="session")
def card_factory(tmp_path_factory):
    """card_factory(profile, seed=1, faults=()) -> card directory (personalised once per session)."""
    cache: dict = {}
    root = tmp_path_factory.mktemp("cards")

    def make(profile: str, seed: int = 1, faults: tuple = ()) -> Path:
        key = (profile, seed, tuple(faults))
        if key not in cache:
            name = "-".join([profile, str(seed)] + [f.replace(":", "_") for f in faults])
            cache[key] = personalize(profile, seed, root / name, faults)
        return cache[key]

    return make
