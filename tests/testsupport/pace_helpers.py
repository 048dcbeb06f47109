"""Shared helpers for PACE / CA tests: vectors, scripted channels, deterministic rngs."""

from __future__ import annotations

from cccd_chip.emulator.determinism import Drbg

import json
from pathlib import Path
from typing import Optional

from cccd_chip.iso7816.apdu import CommandApdu, ResponseApdu

VECTOR_DIR = Path(__file__).resolve().parents[2] / "test_vectors"


def vectors(name: str) -> list[dict]:
    return json.loads((VECTOR_DIR / f"{name}.json").read_text())["vectors"]


def h(s: str) -> bytes:
    return bytes.fromhex(s)


class FeedRng:
    """An rng that returns prepared values (each padded to the requested size)."""

    def __init__(self, *values: bytes) -> None:
        self.values = list(values)
        self.requests: list[int] = []

    def __call__(self, n: int) -> bytes:
        self.requests.append(n)
        v = self.values.pop(0)
        v = v.lstrip(b"\x00") if len(v) > n else v
        assert len(v) <= n, (len(v), n)
        return v.rjust(n, b"\x00")


def det_rng(seed: bytes):
    """Deterministic rng for tests (the emulator's seeded DRBG)."""
    return Drbg(seed.hex())


class ScriptedChannel:
    """Answers commands from a script of (expected command bytes or None, response bytes)."""

    def __init__(self, script: list[tuple[Optional[bytes], bytes]]) -> None:
        self.script = list(script)
        self.sent: list[bytes] = []
        self.sm = None

    def transmit(self, cmd: CommandApdu) -> ResponseApdu:
        raw = cmd.encode()
        self.sent.append(raw)
        expected, resp = self.script.pop(0)
        if callable(resp):
            resp = resp(raw)
        if expected is not None:
            assert raw.hex().upper() == expected.hex().upper(), f"APDU #{len(self.sent)} differs"
        return ResponseApdu.decode(resp)

    def start_sm(self, sm) -> None:
        self.sm = sm

    def stop_sm(self) -> None:
        self.sm = None


class AppletChannel:
    """A minimal in-process channel to a card object with ``process(raw) -> raw``, with SM."""

    def __init__(self, card) -> None:
        self.card = card
        self.sm = None
        self.log: list[tuple[bytes, bytes]] = []

    def transmit(self, cmd: CommandApdu) -> ResponseApdu:
        if self.sm is not None:
            wrapped = self.sm.wrap(cmd)
            raw = self.card.process(wrapped.encode())
            self.log.append((wrapped.encode(), raw))
            return self.sm.unwrap(ResponseApdu.decode(raw))
        raw = self.card.process(cmd.encode())
        self.log.append((cmd.encode(), raw))
        return ResponseApdu.decode(raw)

    def start_sm(self, sm) -> None:
        self.sm = sm

    def stop_sm(self) -> None:
        self.sm = None
