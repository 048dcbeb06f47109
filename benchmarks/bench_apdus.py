"""APDUs and bytes for a full read of the cccd-2021 virtual card (``make bench``).

Three strategies over the same card, in-process (the link does not change
the counts):

- ``cccd short``: this project's strategy on the card as personalised
  (short APDUs only, as the profile says): SFI reads, the largest Le that
  fits a protected answer in 256 bytes;
- ``cccd extended``: the same card with extended length enabled: the
  channel detects it before secure messaging and reads each EF in one APDU;
- ``SELECT + 0xDF``: what most readers do: SELECT each EF, then READ BINARY
  in 0xDF-byte chunks.

Each is printed beside the theoretical minimum for the card's limits: the
access-control / CA / AA APDUs the protocols require, one READ BINARY per
``ceil(size / largest chunk)`` for every file read, and one APDU per file
that turns out absent or protected. Exit status 1 when a ``cccd`` strategy is
more than 10 % above its minimum.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cccd_chip.channel import DEFAULT_MAX_EXT_LE, max_protected_plain  # noqa: E402
from cccd_chip.emulator.applet import Applet  # noqa: E402
from cccd_chip.emulator.card import VirtualCard  # noqa: E402
from cccd_chip.reader import Credential, ReadOptions, ReadStats, read_document  # noqa: E402
from cccd_chip.transport.local import LocalTransport  # noqa: E402

TOLERANCE = 1.10
READ_INS = (0xB0, 0xB1)
SELECT_INS = 0xA4


class Counter:
    """Transport wrapper that classifies every C-APDU by instruction."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.atr = inner.atr
        self.reader = inner.reader
        self.ins: list[int] = []
        self.select_ef = 0

    def transmit(self, apdu: bytes) -> bytes:
        self.ins.append(apdu[1])
        if apdu[1] == SELECT_INS and apdu[2] in (0x00, 0x02) and len(apdu) > 4:
            self.select_ef += 1
        return self.inner.transmit(apdu)


@dataclass(frozen=True)
class Row:
    strategy: str
    apdus: int
    bytes_sent: int
    bytes_received: int
    minimum: int
    reads: int
    protocol: int

    @property
    def ratio(self) -> float:
        return self.apdus / self.minimum


def _minimum(doc, card: VirtualCard, counter: Counter, extended: bool, block: int) -> int:
    """Theoretical minimum APDUs for this card's limits (see module docstring)."""
    protocol = sum(1 for i in counter.ins if i not in READ_INS and i != SELECT_INS) + 1  # + SELECT AID
    reads = 0
    for name, data in doc.files.items():
        before_sm = name == "CardAccess"
        if extended:
            chunk = min(card.options.max_ext_le, DEFAULT_MAX_EXT_LE)
            if not before_sm:
                chunk = min(chunk, max_protected_plain(65536, block))
        else:
            chunk = min(card.options.max_le, 256 if before_sm else max_protected_plain(256, block))
        reads += math.ceil(len(data) / chunk)
    reads += len(doc.absent)  # one APDU to learn that a file is absent or protected
    return protocol + reads


def run(card: VirtualCard, credential: Credential, strategy: str, options: ReadOptions) -> Row:
    counter = Counter(LocalTransport(Applet(card)))
    stats = ReadStats()
    doc = read_document(counter, credential, options=options, stats=stats)
    block = 16 if (doc.access and (doc.access.cipher or "").startswith("AES")) else 8
    extended = bool(stats.extended) and strategy != "SELECT + 0xDF"
    minimum = _minimum(doc, card, counter, extended, block)
    return Row(strategy, stats.apdus, stats.bytes_sent, stats.bytes_received, minimum,
               sum(1 for i in counter.ins if i in READ_INS), counter.select_ef)


def measure(card_dir: Path) -> list[Row]:
    card = VirtualCard.load(card_dir)
    s = card.secrets
    cred = Credential.from_cccd_id(s["id"])
    ext_card = dataclasses.replace(card, options=dataclasses.replace(card.options, extended=True))
    return [
        run(card, cred, "cccd short", ReadOptions()),
        run(ext_card, cred, "cccd extended", ReadOptions()),
        run(card, cred, "SELECT + 0xDF", ReadOptions(sfi=False, extended=False, max_le=0xDF)),
    ]


def main() -> int:
    from cccd_chip.emulator.personalize import personalize

    with tempfile.TemporaryDirectory() as tmp:
        d = personalize("cccd-2021", 1, Path(tmp) / "card")
        card = VirtualCard.load(d)
        sizes = {n: len(f.data) for n, f in sorted(card.files.items())}
        rows = measure(Path(d))
    print(f"cccd-2021 virtual card, seed 1: files {json.dumps(sizes)}")
    print(f"limits: short Le {card.options.max_le}, extended length supported by the variant "
          f"(max Le {card.options.max_ext_le}), PACE-GM AES-128 -> {max_protected_plain(256, 16)} plain bytes "
          "per short protected READ BINARY")
    print(f"{'strategy':<16}{'APDUs':>7}{'minimum':>9}{'ratio':>7}{'READ':>6}{'SELECT EF':>10}"
          f"{'sent B':>9}{'recv B':>9}{'total B':>9}")
    bad = False
    for r in rows:
        print(f"{r.strategy:<16}{r.apdus:>7}{r.minimum:>9}{r.ratio:>7.2f}{r.reads:>6}{r.protocol:>10}"
              f"{r.bytes_sent:>9}{r.bytes_received:>9}{r.bytes_sent + r.bytes_received:>9}")
        if r.strategy.startswith("cccd") and r.ratio > TOLERANCE:
            bad = True
    legacy = rows[2].apdus
    print(f"extended length saves {rows[0].apdus - rows[1].apdus} APDUs over short; "
          f"short saves {legacy - rows[0].apdus} over SELECT + 0xDF ({legacy} -> {rows[0].apdus})")
    if bad:
        print(f"FAIL: a cccd strategy is more than {round((TOLERANCE - 1) * 100)} % above its minimum")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
