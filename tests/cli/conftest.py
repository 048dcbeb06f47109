"""Fixtures for the CLI tests: personalised virtual cards (cached per session) and an in-process runner."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from host_cli.main import main


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def cccd(capsys):
    """Run the ``cccd`` command in this process; return exit code, stdout, stderr."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        cap = capsys.readouterr()
        return Run(code, cap.out, cap.err)

    return run


class Cards:
    """Virtual cards personalised on first use into one session folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict = {}

    def get(self, profile: str = "cccd-2021", seed: int = 7, *faults: str) -> Path:
        key = (profile, seed, faults)
        if key not in self._made:
            from cccd_chip.emulator.personalize import personalize

            name = "-".join([profile, str(seed), *[f.replace(":", "_") for f in faults]])
            self._made[key] = Path(personalize(profile, seed, self.root / name, faults))
        return self._made[key]

    @staticmethod
    def secrets(card: Path) -> dict:
        return json.loads((card / "card.json").read_text())["secrets"]


@pytest.fixture(scope="session")
def cards(tmp_path_factory) -> Cards:
    return Cards(tmp_path_factory.mktemp("cards"))
