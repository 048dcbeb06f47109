"""Fixtures for the CLI tests: personalised virtual cards (cached per session) and an in-process runner."""

from __future__ import annotations

import pytest

from testsupport.cards import Cards
from testsupport.cli import CliResult as Run, run_cccd

__all__ = ["Cards", "Run"]


@pytest.fixture
def cccd(capsys):
    """Run the ``cccd`` command in this process; return exit code, stdout, stderr."""

    def run(*args: object) -> Run:
        return run_cccd(capsys, *args)

    return run


@pytest.fixture(scope="session")
def cards(tmp_path_factory) -> Cards:
    return Cards(tmp_path_factory.mktemp("cards"))
