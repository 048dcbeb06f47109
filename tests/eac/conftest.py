"""Cards personalised once per session for the EAC tests; terminal folders derived from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cccd_chip.emulator.personalize import personalize


@pytest.fixture(scope="session")
def eac_card(tmp_path_factory):
    """eac_card(profile="cccd-2021", faults=()) -> card directory (with eac/chain and eac/is_key.pem)."""
    cache: dict = {}
    root = tmp_path_factory.mktemp("eac-cards")

    def make(profile: str = "cccd-2021", faults: tuple = (), seed: int = 1) -> Path:
        key = (profile, tuple(faults), seed)
        if key not in cache:
            cache[key] = personalize(profile, seed, root / "-".join([profile, str(seed), *faults]), faults)
        return cache[key]

    return make
