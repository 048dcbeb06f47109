"""Adversarial class (d): a malicious chip (issue 10).

The chip is the attacker: a fake card in a kiosk, or a genuine card's data on a
programmable chip. It chooses every length, status word, PACE point and domain
and the plaintext of every secure-messaging answer (it holds the session keys,
so the MAC is valid). Each case names the expected outcome; none may end
``successful`` when the chip lied, none may be exit 70, none may hang.

Groups (``pytest -k``): ``domain`` (weak PACE domains, defect 2), ``budget``
(drip feed, huge files, stalling, defect 7), ``probe`` (refused extended-length
probe, defect 8), ``sw`` (status words instead of files), ``plaintext``
(crafted file bytes under a valid MAC), ``pace`` (PACE nonces, points, tokens),
``smstruct`` (SM objects with a valid MAC but a wrong structure).
"""

from __future__ import annotations

import dataclasses

import pytest
from adversary import Outcome, credential_for, fixed_rng, outcome_of_error, trust_store_for, verify_outcome

from cccd_chip.channel import ReadBudget
from cccd_chip.emulator import attack_domains as ad
from cccd_chip.emulator.applet import Applet, Reply
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.faults import FaultSpec, runtime_fault
from cccd_chip.errors import TransportError
from cccd_chip.iso7816 import tlv
from cccd_chip.reader import Credential, ReadOptions, read_document
from cccd_chip.transport.local import LocalTransport
from host_cli.exit_codes import exit_code_for

pytestmark = pytest.mark.timeout(120)

NO_PACE_APDU = (0x22, 0x86)  # MSE:Set AT, GENERAL AUTHENTICATE


@dataclasses.dataclass
class Run:
    outcome: Outcome
    applet: Applet
    sent: list


def _credential(card: VirtualCard, kind: str) -> Credential:
    s = card.secrets
    if kind == "full":  # CCCD ID + DOB + DOE: PACE and BAC possible
        return Credential(s.get("can"), s["document_number"], s["date_of_birth"], s["date_of_expiry"])
    return credential_for(dict(s), kind)


def run_chip(card_dir, *, hooks=(), kind="can", options: ReadOptions = ReadOptions()) -> Run:
    """Read the (malicious) chip in-process and verify what came out; errors are outcomes."""
    card = VirtualCard.load(card_dir)
    app = Applet(card)
    app.faults.extend(hooks)
    sent: list = []
    orig = app.process

    def spy(raw):
        sent.append(bytes(raw))
        return orig(raw)

    app.process = spy
    try:
        doc = read_document(LocalTransport(app), _credential(card, kind), rng=fixed_rng, options=options)
    except TransportError as e:  # the read ended early: aborted, never a result
        return Run(Outcome("aborted", (str(e.reason),), exit_code_for(e), f"{type(e).__name__}: {e}"[:300]), app, sent)
    except Exception as e:  # noqa: BLE001 - an exception is an outcome (exit 5/6, or 70 for a bug)
        return Run(outcome_of_error(e), app, sent)
    return Run(verify_outcome(doc, trust_store_for(card_dir)), app, sent)


def hook(spec: str):
    h = runtime_fault(FaultSpec(*spec.split(":", 1)) if ":" in spec else FaultSpec(spec))
    assert h is not None, spec
    return h


# --- attack hooks (applet fault objects) ----------------------------------------------------------


def _objects(data: bytes) -> list[tuple[int, bytes]]:
    outer = tlv.decode_one(data, expected_tag=0x7C)
    return [(it.tag, bytes(it.value)) for it in tlv.decode(outer.value)]


def _enc(objs) -> bytes:
    return tlv.encode(0x7C, b"".join(tlv.encode(t, v) for t, v in objs))


class GaTamper:
    """Rewrites the chip's answer to PACE GENERAL AUTHENTICATE number ``step`` (1-4)."""

    def __init__(self, step: int, op: str) -> None:
        self.step, self.op, self.n = step, op, 0

    def alter_reply(self, app, cmd, reply):
        if cmd.ins != 0x86 or app.state.sm is not None or reply.sw != 0x9000:
            return reply
        self.n += 1
        if self.n != self.step:
            return reply
        return dataclasses.replace(reply, data=self.tamper(reply.data, cmd))

    def tamper(self, data: bytes, cmd) -> bytes:
        objs = _objects(data)
        tag, value = objs[0] if objs else (0x82, b"")
        op = self.op
        if op == "not-7C":
            return b"\x7D" + data[1:]
        if op == "missing":
            return _enc(objs[1:])
        if op == "duplicate":
            return _enc(objs + objs[:1])
        if op == "extra-tag":
            return _enc(objs + [(0x99, b"\x00")])
        if op == "empty":
            new = b""
        elif op == "len-15":
            new = value[:15]
        elif op == "len-17":
            new = value + b"\x00"
        elif op == "len-80":
            new = value * 5
        elif op == "flip-last":
            new = value[:-1] + bytes([value[-1] ^ 1])
        elif op == "identity":
            new = b"\x00"
        elif op == "drop-last":
            new = value[:-1]
        elif op == "compressed":
            size = (len(value) - 1) // 2
            new = bytes([0x02 | (value[-1] & 1)]) + value[1:1 + size]
        elif op == "x-out-of-range":
            size = (len(value) - 1) // 2
            new = b"\x04" + b"\xff" * size + value[1 + size:]
        elif op == "echo-host":
            host = _objects(cmd.data)
            new = host[0][1] if host else value
        elif op == "dh-one":
            new = b"\x01"
        elif op == "dh-zero":
            new = b"\x00"
        elif op == "dh-p-minus-1":
            new = b"\xff" * len(value)
        elif op == "non-empty":
            new = b"\x01\x02"
        else:
            raise AssertionError(op)
        return _enc([(tag, new)] + objs[1:])


class FileTamper:
    """Rewrites the first answer of READ BINARY of ``name`` (plaintext under a valid MAC)."""

    def __init__(self, name: str, op: str) -> None:
        self.name, self.op, self.done = name, op, False

    def alter_reply(self, app, cmd, reply):
        cur = app.state.current
        if (self.done or cmd.ins != 0xB0 or cur is None or cur.name != self.name or reply.sw != 0x9000
                or not reply.data):
            return reply
        self.done = True
        d = bytearray(reply.data)
        h = tlv.read_header(bytes(d), 0, allow_truncated=True)
        op = self.op
        if op == "tag":
            d[0] ^= 0x02
        elif op == "len+1":
            d[: h.header_len] = tlv.encode_tag(h.tag) + tlv.encode_length(h.length + 1)
        elif op == "len-1":
            d[: h.header_len] = tlv.encode_tag(h.tag) + tlv.encode_length(h.length - 1)
        elif op == "len-huge":
            d[: h.header_len] = tlv.encode_tag(h.tag) + b"\x84\x7f\xff\xff\xff"
        elif op == "len-indefinite":
            d[: h.header_len] = tlv.encode_tag(h.tag) + b"\x80"
        elif op == "empty":
            d = bytearray()
        elif op == "junk":  # the last byte of the first answer (EF.COM: its tag list)
            d[-1] ^= 0xFF
        elif op == "one-byte":
            d = d[:1]
        else:
            raise AssertionError(op)
        return dataclasses.replace(reply, data=bytes(d))


class SmStructure:
    """Re-wraps the ``nth`` protected READ BINARY answer with a chosen SM structure and a VALID MAC."""

    def __init__(self, nth: int, op: str) -> None:
        self.nth, self.op, self.n = nth, op, 0

    def after_response(self, app, cmd, out):
        from cccd_chip.crypto.padding import pad, unpad

        sm = app.state.sm
        if sm is None or cmd.ins != 0xB0 or out is None or len(out) < 12:
            return out
        self.n += 1
        if self.n != self.nth:
            return out
        cipher, ssc = sm.cipher, sm.ssc
        bs = cipher.block_size
        objs = tlv.decode(out[:-2])
        plain = b""
        for it in objs:
            if it.tag == 0x87:
                plain = unpad(cipher.decrypt(ssc, bytes(it.value[1:])))
        sw = out[-2:]
        enc = cipher.encrypt(ssc, pad(plain, bs))
        do87 = tlv.encode(0x87, b"\x01" + enc)
        do99 = tlv.encode(0x99, sw)
        op = self.op
        tail = b""
        if op == "do99-other-sw":
            parts = [do87, tlv.encode(0x99, b"\x62\x82")]
        elif op == "outer-sw-error":
            parts, sw = [do87, do99], b"\x6a\x82"
        elif op == "pad-indicator-02":
            parts = [tlv.encode(0x87, b"\x02" + enc), do99]
        elif op == "bad-padding":
            raw = plain + b"\x00" * (-len(plain) % bs or bs)
            parts = [tlv.encode(0x87, b"\x01" + cipher.encrypt(ssc, raw)), do99]
        elif op == "do85-even-ins":
            parts = [tlv.encode(0x85, enc), do99]
        elif op == "duplicate-87":
            parts = [do87, do87, do99]
        elif op == "99-before-87":
            parts = [do99, do87]
        elif op == "extra-do":
            parts = [do87, tlv.encode(0x53, b"\x00"), do99]
        elif op == "empty-87":
            parts = [tlv.encode(0x87, b"\x01"), do99]
        elif op == "cryptogram-not-blocks":
            parts = [tlv.encode(0x87, b"\x01" + enc[:-3]), do99]
        elif op == "no-do99":
            parts = [do87]
        elif op == "do99-3-bytes":
            parts = [do87, tlv.encode(0x99, sw + b"\x00")]
        elif op == "no-87-with-9000":
            parts = [do99]
        elif op == "garbage-after-8e":
            parts, tail = [do87, do99], b"\x01\x02"
        elif op == "short-mac":
            parts = [do87, do99]
        else:
            raise AssertionError(op)
        body = b"".join(parts)
        mac = cipher.mac(pad(ssc + body, bs))
        if op == "short-mac":
            mac = mac[:4]
        return body + tlv.encode(0x8E, mac) + tail + sw


# --- the cases ---------------------------------------------------------------------------------------

PROFILE_KIND = {"cccd-2021": "can", "cccd-2024": "can", "passport-pace-cam": "can", "passport-bac": "mrz",
                "passport-pace-im": "can", "passport-dh": "can"}


def _check(judge, run: Run, expected):
    verdict, reason, code = expected
    return judge(run.outcome, expect=verdict, reason=reason, exit_code=code)


# (d1) PACE domains from the unsigned EF.CardAccess (defect 2) -----------------------------------------

def _domain_expect(name: str, allow: bool):
    if name in ad.STANDARD_SPELT_OUT or (allow and name in ad.STRONG):
        return ("successful", None, 0)
    if name in ad.UNSOUND:
        return ("error", "DH_DOMAIN_INVALID", 5)
    if not allow:
        return ("error", "DOMAIN_NOT_STANDARDIZED", 5)
    return ("error", "DH_DOMAIN_WEAK" if name.startswith("dh") else "EC_DOMAIN_WEAK", 5)


DOMAIN_CASES = ([(n, False, k) for n in ad.NAMES for k in ("can", "full")]
                + [(n, True, "can") for n in ad.NAMES])


@pytest.mark.parametrize("name,allow,kind", DOMAIN_CASES,
                         ids=[f"domain-{n}-{'allowed' if a else 'default'}-{k}" for n, a, k in DOMAIN_CASES])
def test_domain(cards, judge, name, allow, kind):
    run = run_chip(cards.get("cccd-2021", 7, f"pace-domain:{name}"), kind=kind,
                   options=ReadOptions(allow_explicit_domain=allow))
    out = _check(judge, run, _domain_expect(name, allow))
    if out.verdict == "error":  # refused before anything password-derived left the host
        assert not [c for c in run.sent if c[1] in NO_PACE_APDU], "a PACE APDU was sent on a refused domain"


# (d2) read budget: drip feed, huge declared files, a stalling chip (defect 7) ---------------------------

DRIP_CASES = [(p, n) for p in ("cccd-2021", "passport-pace-cam", "passport-bac") for n in (1, 2, 4, 8, 16, 31)]


@pytest.mark.parametrize("profile,n", DRIP_CASES, ids=[f"budget-drip{n}-{p}" for p, n in DRIP_CASES])
def test_budget_drip_feed(cards, judge, profile, n):
    run = run_chip(cards.get(profile), hooks=[hook(f"drip:{n}")], kind=PROFILE_KIND[profile])
    _check(judge, run, ("aborted", "ABORTED_DRIP_FEED", 4))


BIG_CASES = [("DG1", "drip:1"), ("DG2", "drip:1"), ("DG13", "drip:3"), ("DG2", "drip:20")]


@pytest.mark.parametrize("dg,drip", BIG_CASES, ids=[f"budget-big-{d}-{x.replace(':', '')}" for d, x in BIG_CASES])
def test_budget_huge_file_drip_fed(cards, judge, dg, drip):
    run = run_chip(cards.get(), hooks=[hook(f"big-file:{dg}"), hook(drip)])
    _check(judge, run, ("aborted", "ABORTED_DRIP_FEED", 4))


@pytest.mark.parametrize("dg", ["DG2", "DG13"], ids=["budget-big-honest-DG2", "budget-big-honest-DG13"])
def test_budget_huge_file_delivered(cards, judge, dg):
    """A ~1 MiB file delivered at full speed is read within the budget, then fails its SOD hash."""
    run = run_chip(cards.get(), hooks=[hook(f"big-file:{dg}")])
    _check(judge, run, ("failed", "DG_HASH_MISMATCH", 1))


def test_budget_drip_rule_off_apdu_budget(cards, judge):
    run = run_chip(cards.get(), hooks=[hook("big-file:DG2"), hook("drip:1")],
                   options=ReadOptions(budget=ReadBudget(max_dribbles=10**9)))
    _check(judge, run, ("aborted", "ABORTED_APDU_BUDGET", 4))


@pytest.mark.parametrize("profile", ["cccd-2021", "passport-pace-cam", "passport-bac"],
                         ids=lambda p: f"budget-stall-{p}")
def test_budget_stalling_chip(cards, judge, profile):
    run = run_chip(cards.get(profile), hooks=[hook("slow:15")], kind=PROFILE_KIND[profile],
                   options=ReadOptions(budget=ReadBudget(max_seconds=0.3)))
    _check(judge, run, ("aborted", "ABORTED_TIME_BUDGET", 4))


@pytest.mark.parametrize("cap", [1, 3, 8, 15, 30, 60, 100], ids=lambda c: f"budget-cap-{c}")
def test_budget_apdu_cap(cards, judge, cap):
    run = run_chip(cards.get(), options=ReadOptions(budget=ReadBudget(max_apdus=cap)))
    _check(judge, run, ("aborted", "ABORTED_APDU_BUDGET", 4))
    assert len(run.sent) <= cap


# (d3) a refused extended-length probe never hides EF.CardAccess (defect 8) ------------------------------

PROBE_SWS = ("6F00", "6D00", "6E00", "6A86", "6A80", "6985", "6A81", "6986", "6B00", "6A88", "6400", "6581",
             "6999", "6283")
PROBE_CASES = ([("cccd-2021", sw, k) for sw in PROBE_SWS for k in ("can", "full")]
               + [("cccd-2024", sw, "can") for sw in ("6F00", "6D00", "6A86", "6E00")]
               + [("passport-pace-cam", sw, "can") for sw in ("6F00", "6E00")])


@pytest.mark.parametrize("profile,sw,kind", PROBE_CASES, ids=[f"probe-{p}-{s}-{k}" for p, s, k in PROBE_CASES])
def test_probe_refused(cards, judge, profile, sw, kind):
    """A genuine chip that refuses extended length with another status than 6700: read with PACE as usual."""
    run = run_chip(cards.get(profile), hooks=[hook(f"ext-sw:{sw}")], kind=kind)
    _check(judge, run, ("successful", None, 0))
    assert any(c[1] == 0x86 for c in run.sent), "PACE was not used"


@pytest.mark.parametrize("sw,kind,expected", [
    ("6A82", "full", ("failed", "CARD_ACCESS_MISMATCH", 1)),  # "no EF.CardAccess": BAC, then the signed DG14 tells
    ("6982", "full", ("failed", "CARD_ACCESS_MISMATCH", 1)),
    ("6A82", "can", ("error", "USAGE", 2)),  # no PACE offered and no MRZ data: nothing to try
], ids=["probe-lie-6A82-full", "probe-lie-6982-full", "probe-lie-6A82-can"])
def test_probe_answered_with_a_file_status(cards, judge, sw, kind, expected):
    """A chip that says "no EF.CardAccess" to the probe is believed, and caught by binding.card_access."""
    run = run_chip(cards.get(), hooks=[hook(f"ext-sw:{sw}")], kind=kind)
    _check(judge, run, expected)


# (d4) status words instead of files, (d5) crafted plaintext under a valid MAC,
# (d6) PACE nonces, points and tokens, (d7) SM structure with a valid MAC --------------------------------
# Expected outcomes: (verdict, reason, exit code); one table, reviewed case by case.

SW_FILES = ("COM", "SOD", "DG1", "DG2", "DG13", "DG14", "DG15")
SW_WORDS = ("6A82", "6982", "6F00", "6B00", "6985", "6300")
SW_CASES = [(f, s) for f in SW_FILES for s in SW_WORDS]

TAMPER_FILES = ("COM", "SOD", "DG1", "DG2", "DG13", "DG14")
TAMPER_OPS = ("tag", "len+1", "len-1", "len-huge", "len-indefinite", "empty", "junk", "one-byte")
TAMPER_CASES = [(f, o) for f in TAMPER_FILES for o in TAMPER_OPS]

EC_POINT_OPS = ("flip-last", "identity", "drop-last", "compressed", "x-out-of-range", "echo-host", "missing",
                "duplicate", "extra-tag", "not-7C")
PACE_CASES = (
    [(p, 1, o) for p in ("cccd-2021", "passport-pace-cam")
     for o in ("empty", "len-15", "len-17", "len-80", "missing", "extra-tag", "not-7C")]
    + [(p, s, o) for p in ("cccd-2021", "passport-pace-cam") for s in (2, 3) for o in EC_POINT_OPS]
    + [(p, 4, o) for p in ("cccd-2021", "passport-pace-cam") for o in ("flip-last", "missing", "duplicate",
                                                                          "extra-tag", "empty")]
    + [("passport-pace-im", 2, "non-empty"), ("passport-pace-im", 3, "flip-last"), ("passport-pace-im", 3, "echo-host")]
    + [("passport-dh", s, o) for s in (2, 3) for o in ("dh-one", "dh-zero", "dh-p-minus-1", "echo-host")]
)

SM_EXPECT = {  # the same for the first protected answer (1) and a later one (4)
    "do99-other-sw": ("error", "SM_INTEGRITY", 5),
    "outer-sw-error": ("error", "SM_INTEGRITY", 5),
    "pad-indicator-02": ("error", "SM_INTEGRITY", 5),
    "bad-padding": ("error", "SM_INTEGRITY", 5),
    "do85-even-ins": ("successful", None, 0),  # DO85: same authentic bytes
    "duplicate-87": ("error", "SM_INTEGRITY", 5),
    "99-before-87": ("error", "SM_INTEGRITY", 5),
    "extra-do": ("error", "SM_INTEGRITY", 5),
    "empty-87": ("error", "SM_INTEGRITY", 5),
    "cryptogram-not-blocks": ("error", "SM_INTEGRITY", 5),
    "no-do99": ("error", "SM_INTEGRITY", 5),
    "do99-3-bytes": ("error", "SM_INTEGRITY", 5),
    "no-87-with-9000": ("error", "MALFORMED", 6),
    "garbage-after-8e": ("error", "SM_INTEGRITY", 5),
    "short-mac": ("error", "SM_INTEGRITY", 5),
}
SM_OPS = tuple(SM_EXPECT)
SM_CASES = [(n, o) for n in (1, 4) for o in SM_OPS]

EXPECT: dict = {
    "sw-COM-6A82": ("successful", None, 0),  # EF.COM is optional and unsigned (LDS 1.8): the SOD lists the DGs
    "sw-COM-6982": ("successful", None, 0),  # EF.COM is optional and unsigned (LDS 1.8): the SOD lists the DGs
    "sw-COM-6F00": ("error", "CARD_STATUS", 5),
    "sw-COM-6B00": ("error", "CARD_STATUS", 5),
    "sw-COM-6985": ("error", "CARD_STATUS", 5),
    "sw-COM-6300": ("error", "CARD_STATUS", 5),
    "sw-SOD-6A82": ("failed", "SOD_MISSING", 1),
    "sw-SOD-6982": ("failed", "SOD_MISSING", 1),
    "sw-SOD-6F00": ("error", "CARD_STATUS", 5),
    "sw-SOD-6B00": ("error", "CARD_STATUS", 5),
    "sw-SOD-6985": ("error", "CARD_STATUS", 5),
    "sw-SOD-6300": ("error", "CARD_STATUS", 5),
    "sw-DG1-6A82": ("failed", "DG_MANDATORY_MISSING", 1),
    "sw-DG1-6982": ("failed", "DG_MANDATORY_MISSING", 1),
    "sw-DG1-6F00": ("error", "CARD_STATUS", 5),
    "sw-DG1-6B00": ("error", "CARD_STATUS", 5),
    "sw-DG1-6985": ("error", "CARD_STATUS", 5),
    "sw-DG1-6300": ("error", "CARD_STATUS", 5),
    "sw-DG2-6A82": ("failed", "DG_MANDATORY_MISSING", 1),
    "sw-DG2-6982": ("failed", "DG_MANDATORY_MISSING", 1),
    "sw-DG2-6F00": ("error", "CARD_STATUS", 5),
    "sw-DG2-6B00": ("error", "CARD_STATUS", 5),
    "sw-DG2-6985": ("error", "CARD_STATUS", 5),
    "sw-DG2-6300": ("error", "CARD_STATUS", 5),
    "sw-DG13-6A82": ("undetermined", "DG_NOT_READ", 3),
    "sw-DG13-6982": ("undetermined", "DG_NOT_READ", 3),
    "sw-DG13-6F00": ("error", "CARD_STATUS", 5),
    "sw-DG13-6B00": ("error", "CARD_STATUS", 5),
    "sw-DG13-6985": ("error", "CARD_STATUS", 5),
    "sw-DG13-6300": ("error", "CARD_STATUS", 5),
    "sw-DG14-6A82": ("undetermined", "DG_NOT_READ", 3),
    "sw-DG14-6982": ("undetermined", "DG_NOT_READ", 3),
    "sw-DG14-6F00": ("error", "CARD_STATUS", 5),
    "sw-DG14-6B00": ("error", "CARD_STATUS", 5),
    "sw-DG14-6985": ("error", "CARD_STATUS", 5),
    "sw-DG14-6300": ("error", "CARD_STATUS", 5),
    "sw-DG15-6A82": ("undetermined", "DG_NOT_READ", 3),
    "sw-DG15-6982": ("undetermined", "DG_NOT_READ", 3),
    "sw-DG15-6F00": ("error", "CARD_STATUS", 5),
    "sw-DG15-6B00": ("error", "CARD_STATUS", 5),
    "sw-DG15-6985": ("error", "CARD_STATUS", 5),
    "sw-DG15-6300": ("error", "CARD_STATUS", 5),
    "plaintext-COM-tag": ("error", "MALFORMED", 6),
    "plaintext-COM-len+1": ("error", "MALFORMED", 6),
    "plaintext-COM-len-1": ("error", "MALFORMED", 6),
    "plaintext-COM-len-huge": ("error", "MALFORMED", 6),
    "plaintext-COM-len-indefinite": ("error", "MALFORMED", 6),
    "plaintext-COM-empty": ("error", "MALFORMED", 6),
    "plaintext-COM-junk": ("failed", "COM_SOD_MISMATCH", 1),
    "plaintext-COM-one-byte": ("error", "MALFORMED", 6),
    "plaintext-SOD-tag": ("error", "MALFORMED", 6),
    "plaintext-SOD-len+1": ("error", "MALFORMED", 6),
    "plaintext-SOD-len-1": ("failed", "SOD_MALFORMED", 1),
    "plaintext-SOD-len-huge": ("error", "MALFORMED", 6),
    "plaintext-SOD-len-indefinite": ("failed", "SOD_MALFORMED", 1),
    "plaintext-SOD-empty": ("error", "MALFORMED", 6),
    "plaintext-SOD-junk": ("failed", "SOD_MESSAGE_DIGEST_MISMATCH", 1),
    "plaintext-SOD-one-byte": ("error", "MALFORMED", 6),
    "plaintext-DG1-tag": ("error", "MALFORMED", 6),
    "plaintext-DG1-len+1": ("error", "MALFORMED", 6),
    "plaintext-DG1-len-1": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG1-len-huge": ("error", "MALFORMED", 6),
    "plaintext-DG1-len-indefinite": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG1-empty": ("error", "MALFORMED", 6),
    "plaintext-DG1-junk": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG1-one-byte": ("error", "MALFORMED", 6),
    "plaintext-DG2-tag": ("error", "MALFORMED", 6),
    "plaintext-DG2-len+1": ("error", "MALFORMED", 6),
    "plaintext-DG2-len-1": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG2-len-huge": ("error", "MALFORMED", 6),
    "plaintext-DG2-len-indefinite": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG2-empty": ("error", "MALFORMED", 6),
    "plaintext-DG2-junk": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG2-one-byte": ("error", "MALFORMED", 6),
    "plaintext-DG13-tag": ("error", "MALFORMED", 6),
    "plaintext-DG13-len+1": ("error", "MALFORMED", 6),
    "plaintext-DG13-len-1": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG13-len-huge": ("error", "MALFORMED", 6),
    "plaintext-DG13-len-indefinite": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG13-empty": ("error", "MALFORMED", 6),
    "plaintext-DG13-junk": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG13-one-byte": ("error", "MALFORMED", 6),
    "plaintext-DG14-tag": ("error", "MALFORMED", 6),
    "plaintext-DG14-len+1": ("error", "MALFORMED", 6),
    "plaintext-DG14-len-1": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG14-len-huge": ("error", "MALFORMED", 6),
    "plaintext-DG14-len-indefinite": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG14-empty": ("error", "MALFORMED", 6),
    "plaintext-DG14-junk": ("failed", "DG_HASH_MISMATCH", 1),
    "plaintext-DG14-one-byte": ("error", "MALFORMED", 6),
    "pace-cccd-2021-s1-empty": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s1-len-15": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s1-len-17": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s1-len-80": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s1-missing": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s1-extra-tag": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s1-not-7C": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s1-empty": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s1-len-15": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s1-len-17": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s1-len-80": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s1-missing": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s1-extra-tag": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s1-not-7C": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s2-flip-last": ("error", "EC_POINT_NOT_ON_CURVE", 5),
    "pace-cccd-2021-s2-identity": ("error", "EC_POINT_IDENTITY", 5),
    "pace-cccd-2021-s2-drop-last": ("error", "EC_POINT_LENGTH", 5),
    "pace-cccd-2021-s2-compressed": ("error", "EC_POINT_LENGTH", 5),
    "pace-cccd-2021-s2-x-out-of-range": ("error", "EC_COORDINATE_OUT_OF_RANGE", 5),
    "pace-cccd-2021-s2-echo-host": ("error", "EPHEMERAL_KEY_REUSED", 5),
    "pace-cccd-2021-s2-missing": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s2-duplicate": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s2-extra-tag": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s2-not-7C": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s3-flip-last": ("error", "EC_POINT_NOT_ON_CURVE", 5),
    "pace-cccd-2021-s3-identity": ("error", "EC_POINT_IDENTITY", 5),
    "pace-cccd-2021-s3-drop-last": ("error", "EC_POINT_LENGTH", 5),
    "pace-cccd-2021-s3-compressed": ("error", "EC_POINT_LENGTH", 5),
    "pace-cccd-2021-s3-x-out-of-range": ("error", "EC_COORDINATE_OUT_OF_RANGE", 5),
    "pace-cccd-2021-s3-echo-host": ("error", "EPHEMERAL_KEY_REUSED", 5),
    "pace-cccd-2021-s3-missing": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s3-duplicate": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s3-extra-tag": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s3-not-7C": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s2-flip-last": ("error", "EC_POINT_NOT_ON_CURVE", 5),
    "pace-passport-pace-cam-s2-identity": ("error", "EC_POINT_IDENTITY", 5),
    "pace-passport-pace-cam-s2-drop-last": ("error", "EC_POINT_LENGTH", 5),
    "pace-passport-pace-cam-s2-compressed": ("error", "EC_POINT_LENGTH", 5),
    "pace-passport-pace-cam-s2-x-out-of-range": ("error", "EC_COORDINATE_OUT_OF_RANGE", 5),
    "pace-passport-pace-cam-s2-echo-host": ("error", "EPHEMERAL_KEY_REUSED", 5),
    "pace-passport-pace-cam-s2-missing": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s2-duplicate": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s2-extra-tag": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s2-not-7C": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s3-flip-last": ("error", "EC_POINT_NOT_ON_CURVE", 5),
    "pace-passport-pace-cam-s3-identity": ("error", "EC_POINT_IDENTITY", 5),
    "pace-passport-pace-cam-s3-drop-last": ("error", "EC_POINT_LENGTH", 5),
    "pace-passport-pace-cam-s3-compressed": ("error", "EC_POINT_LENGTH", 5),
    "pace-passport-pace-cam-s3-x-out-of-range": ("error", "EC_COORDINATE_OUT_OF_RANGE", 5),
    "pace-passport-pace-cam-s3-echo-host": ("error", "EPHEMERAL_KEY_REUSED", 5),
    "pace-passport-pace-cam-s3-missing": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s3-duplicate": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s3-extra-tag": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s3-not-7C": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s4-flip-last": ("error", "PACE_TOKEN_INVALID", 5),
    "pace-cccd-2021-s4-missing": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s4-duplicate": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s4-extra-tag": ("error", "PACE_MALFORMED", 5),
    "pace-cccd-2021-s4-empty": ("error", "PACE_TOKEN_INVALID", 5),
    "pace-passport-pace-cam-s4-flip-last": ("error", "PACE_TOKEN_INVALID", 5),
    "pace-passport-pace-cam-s4-missing": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s4-duplicate": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s4-extra-tag": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-cam-s4-empty": ("error", "PACE_TOKEN_INVALID", 5),
    "pace-passport-pace-im-s2-non-empty": ("error", "PACE_MALFORMED", 5),
    "pace-passport-pace-im-s3-flip-last": ("error", "EC_POINT_NOT_ON_CURVE", 5),
    "pace-passport-pace-im-s3-echo-host": ("error", "EPHEMERAL_KEY_REUSED", 5),
    "pace-passport-dh-s2-dh-one": ("error", "DH_VALUE_OUT_OF_RANGE", 5),
    "pace-passport-dh-s2-dh-zero": ("error", "DH_VALUE_OUT_OF_RANGE", 5),
    "pace-passport-dh-s2-dh-p-minus-1": ("error", "DH_VALUE_OUT_OF_RANGE", 5),
    "pace-passport-dh-s2-echo-host": ("error", "EPHEMERAL_KEY_REUSED", 5),
    "pace-passport-dh-s3-dh-one": ("error", "DH_VALUE_OUT_OF_RANGE", 5),
    "pace-passport-dh-s3-dh-zero": ("error", "DH_VALUE_OUT_OF_RANGE", 5),
    "pace-passport-dh-s3-dh-p-minus-1": ("error", "DH_VALUE_OUT_OF_RANGE", 5),
    "pace-passport-dh-s3-echo-host": ("error", "EPHEMERAL_KEY_REUSED", 5),
}

EXPECT.update({f"smstruct-{n}-{op}": want for n in (1, 4) for op, want in SM_EXPECT.items()})


@pytest.mark.parametrize("name,sw", SW_CASES, ids=[f"sw-{f}-{s}" for f, s in SW_CASES])
def test_status_word_instead_of_a_file(cards, judge, name, sw):
    run = run_chip(cards.get(), hooks=[hook(f"sw:{sw}:{name}")])
    _check(judge, run, EXPECT[f"sw-{name}-{sw}"])


@pytest.mark.parametrize("name,op", TAMPER_CASES, ids=[f"plaintext-{f}-{o}" for f, o in TAMPER_CASES])
def test_crafted_plaintext(cards, judge, name, op):
    run = run_chip(cards.get(), hooks=[FileTamper(name, op)])
    _check(judge, run, EXPECT[f"plaintext-{name}-{op}"])


@pytest.mark.parametrize("profile,step,op", PACE_CASES, ids=[f"pace-{p}-s{s}-{o}" for p, s, o in PACE_CASES])
def test_pace_messages(cards, judge, profile, step, op):
    run = run_chip(cards.get(profile), hooks=[GaTamper(step, op)], kind=PROFILE_KIND[profile])
    out = _check(judge, run, EXPECT[f"pace-{profile}-s{step}-{op}"])
    assert out.exit_code == 5  # a PACE the chip did not play by the rules never opens the document


@pytest.mark.parametrize("nth,op", SM_CASES, ids=[f"smstruct-{n}-{o}" for n, o in SM_CASES])
def test_sm_structure_with_a_valid_mac(cards, judge, nth, op):
    run = run_chip(cards.get(), hooks=[SmStructure(nth, op)])
    _check(judge, run, EXPECT[f"smstruct-{nth}-{op}"])


# (d8) Terminal Authentication (docs/eac.md, issue 17): the chip lies about its trust points, its
# challenge or its acceptance, or serves a changed DG3 after TA. A TA the chip plays wrongly can only
# leave DG3 unread (not_supported: the verdict rules do not change); a changed DG3 fails its hash.
# Expected (verdict, reason, exit) and the DG3 check's (verdict, reason).

class TaTamper:
    """Rewrites the chip's answer to one Terminal Authentication step (or EF.CVCA / DG3)."""

    def __init__(self, op: str) -> None:
        self.op = op

    def alter_reply(self, app, cmd, reply):
        cur = app.state.current
        op = self.op
        if cmd.ins in (0xB0, 0xB1) and cur is not None and cur.name == "CVCA" and reply.sw == 0x9000:
            data = {"cvca-junk": b"\x42\x84\x7f\xff\xff\xff" + bytes(30), "cvca-empty": bytes(36),
                    "cvca-unknown": tlv.encode(0x42, b"UTEVILCVCA00001") + bytes(19),
                    "cvca-long-car": tlv.encode(0x42, b"X" * 120),
                    "cvca-unknown-first": tlv.encode(0x42, b"UTEVILCVCA00001") + reply.data[:17]}.get(op)
            return dataclasses.replace(reply, data=data) if data is not None else reply
        if cmd.ins == 0x84 and op.startswith("challenge-") and app.state.extra.get("ta") is not None:
            n = {"challenge-empty": 0, "challenge-7": 7, "challenge-200": 200}[op]
            return dataclasses.replace(reply, data=bytes(n), sw=0x9000)
        if cmd.ins == 0x22 and (cmd.p1, cmd.p2) == (0x81, 0xB6) and op == "dst-6A88":
            return Reply(sw=0x6A88)
        if cmd.ins == 0x2A and op == "pso-6F00":
            return Reply(sw=0x6F00)
        if cmd.ins == 0x82 and op == "extauth-data" and reply.sw == 0x9000:
            return dataclasses.replace(reply, data=b"\x01" * 40)
        if cmd.ins == 0x82 and op == "extauth-ok-then-6982" and reply.sw == 0x9000:
            app.state.extra["eac_granted"] = frozenset()
            return reply
        if (cmd.ins == 0xB0 and cur is not None and cur.name == "DG3" and op == "dg3-changed"
                and reply.sw == 0x9000 and len(reply.data) > 40):
            d = bytearray(reply.data)
            d[-5] ^= 0x01
            return dataclasses.replace(reply, data=bytes(d))
        return reply


TA_EXPECT = {
    "cvca-junk": (("successful", None, 0), ("not_supported", "DG_EAC_PROTECTED")),
    "cvca-empty": (("successful", None, 0), ("not_supported", "DG_EAC_PROTECTED")),
    "cvca-unknown": (("successful", None, 0), ("not_supported", "TA_CHAIN_INVALID")),
    "cvca-long-car": (("successful", None, 0), ("not_supported", "DG_EAC_PROTECTED")),
    "cvca-unknown-first": (("successful", None, 0), ("successful", "OK")),  # the second CAR is the real one
    "challenge-empty": (("successful", None, 0), ("not_supported", "TA_REFUSED")),
    "challenge-7": (("successful", None, 0), ("not_supported", "TA_REFUSED")),
    "challenge-200": (("successful", None, 0), ("not_supported", "TA_REFUSED")),
    "dst-6A88": (("successful", None, 0), ("not_supported", "TA_REFUSED")),
    "pso-6F00": (("successful", None, 0), ("not_supported", "TA_REFUSED")),
    "extauth-data": (("successful", None, 0), ("successful", "OK")),  # data after 9000 is ignored
    "extauth-ok-then-6982": (("successful", None, 0), ("not_supported", "DG_EAC_PROTECTED")),
    "dg3-changed": (("failed", "DG_HASH_MISMATCH", 1), ("failed", "DG_HASH_MISMATCH")),
}


@pytest.mark.parametrize("op", sorted(TA_EXPECT), ids=[f"eac-{o}" for o in sorted(TA_EXPECT)])
def test_terminal_authentication_lies(cards, judge, op):
    from cccd_chip.access.ta import Terminal

    card = cards.get()
    terminal = Terminal.load(card / "eac" / "chain", card / "eac" / "is_key.pem")
    run = run_chip(card, hooks=[TaTamper(op)], kind="id", options=ReadOptions(terminal=terminal))
    out = _check(judge, run, TA_EXPECT[op][0])
    report = out.report if hasattr(out, "report") else None
    assert report is not None, out
    dg3 = next(c for c in report.checks if c.check == "passive.dg_hash" and c.subject == "DG3")
    assert (dg3.verdict.value, dg3.reason.value) == TA_EXPECT[op][1], (op, dg3)
