"""A malicious chip: valid secure messaging, crafted plaintext answers.

The chip is an attacker (robustness catalogue families 5, 16, 19, 20): whatever
the plaintext of an authentic response holds, reading and verifying ends in a
Document + Report or in one of the project's own errors, never another
exception. Each run mutates the data of one or a few replies (bit flips,
truncation, long-form lengths, junk) after access control.
"""

import random

import pytest

from cccd_chip.emulator.applet import Applet, Reply
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.errors import CccdError
from cccd_chip.pki.trust_store import TrustStore
from cccd_chip.reader import Credential, read_document
from cccd_chip.transport.local import LocalTransport
from cccd_chip.verify.document_check import verify_document

RUNS = 400
INSERTS = [b"\x84\xff\xff\xff\xff", b"\x83\xff\xff\xff", b"\x80", b"\x1f\xff\xff", b"\x30\x80", b"\x00" * 3]


class Mutator:
    """Fault object: mutates the plaintext data of selected replies (applet hook)."""

    def __init__(self, rnd: random.Random, targets: set[int]) -> None:
        self.rnd = rnd
        self.targets = targets
        self.n = 0

    def alter_reply(self, app, cmd, reply: Reply) -> Reply:
        self.n += 1
        if self.n not in self.targets or not reply.data:
            return reply
        b = bytearray(reply.data)
        op = self.rnd.random()
        i = self.rnd.randrange(len(b))
        if op < 0.4:
            b[i] ^= 1 << self.rnd.randrange(8)
        elif op < 0.6:
            del b[i:]
        elif op < 0.8:
            b[i:i] = self.rnd.choice(INSERTS)
        else:
            b[i:i + 8] = bytes(self.rnd.randrange(256) for _ in range(8))
        return Reply(bytes(b), reply.sw, reply.new_sm, reply.plain)


@pytest.mark.parametrize("profile", ["cccd-2021", "passport-pace-cam", "passport-bac"])
def test_crafted_plaintext_never_escapes(card_factory, profile):
    d = card_factory(profile)
    card = VirtualCard.load(d)
    ts = TrustStore.from_sources(csca=[str(d / "csca.pem")])
    s = card.secrets
    cred = Credential.from_mrz(s["document_number"], s["date_of_birth"], s["date_of_expiry"]) \
        if profile == "passport-bac" else Credential(s.get("can"), s["document_number"], s["date_of_birth"],
                                                    s["date_of_expiry"])
    rnd = random.Random(f"malicious:{profile}")
    outcomes = {"document": 0, "error": 0}
    for _ in range(RUNS // 3):
        app = Applet(card)
        targets = {rnd.randrange(1, 150) for _ in range(rnd.randint(1, 3))}
        app.faults.append(Mutator(rnd, targets))
        try:
            doc = read_document(LocalTransport(app), cred, rng=rnd.randbytes)
        except CccdError as e:
            assert str(e)  # a message, never empty
            outcomes["error"] += 1
            continue
        report = verify_document(doc, ts)  # must not raise either
        assert report.overall.value in ("successful", "failed", "undetermined")
        outcomes["document"] += 1
    assert outcomes["document"] and outcomes["error"], outcomes
