"""The dump loader's lifted hex (issue 13): ``load_json_lifting_hex`` takes long hex strings out
of the text before parsing and hands them over as bytes. It must refuse exactly what
``load_json`` refuses (same kind, same message) and otherwise give the same value, each
HexValue standing where ``load_json`` has a hex string spelling its bytes; and
``Document.from_json_bytes`` must give the Document (or the error) of the plain parse, on
genuine-looking dumps and on thousands of mutations of them."""

from __future__ import annotations

import binascii
import json
import random
import threading
from typing import Any

import pytest

from cccd_chip import document
from cccd_chip.document import AccessInfo, Document, Evidence
from cccd_chip.errors import CccdError
from cccd_chip.evidence import ChipAuthEvidence
from cccd_chip.json_input import LIFT_MIN, HexValue, JsonInputError, load_json, load_json_lifting_hex

LIMITS = {"max_size": 1 << 22, "max_depth": 16}


def _plain(raw: bytes) -> Any:
    try:
        return ("ok", load_json(raw, **LIMITS))
    except JsonInputError as e:
        return ("refused", e.kind, str(e))


def _lifting(raw: bytes) -> Any:
    try:
        value, lifted = load_json_lifting_hex(raw, **LIMITS)
    except JsonInputError as e:
        return ("refused", e.kind, str(e)), []
    return ("ok", value), lifted


def _same(plain: Any, lifted: Any, seen: list[HexValue]) -> bool:
    """``lifted`` is ``plain`` with some long hex strings as the HexValues of their bytes."""
    if type(lifted) is HexValue:
        seen.append(lifted)
        return (type(plain) is str and len(plain) >= LIFT_MIN and len(plain) % 2 == 0
                and all(c in "0123456789abcdefABCDEF" for c in plain) and binascii.a2b_hex(plain) == lifted.data)
    if type(plain) is not type(lifted):
        return False
    if isinstance(plain, dict):
        return list(plain) == list(lifted) and all(_same(plain[k], lifted[k], seen) for k in plain)
    if isinstance(plain, list):
        return len(plain) == len(lifted) and all(_same(a, b, seen) for a, b in zip(plain, lifted))
    return plain == lifted


def _agree(raw: bytes) -> list[HexValue]:
    """Assert both parsers agree on ``raw``; the HexValues of the lifting parse."""
    plain = _plain(raw)
    lifting, lifted = _lifting(raw)
    if plain[0] == "refused" or lifting[0] == "refused":
        assert lifting == plain, raw[:200]
        return []
    seen: list[HexValue] = []
    assert _same(plain[1], lifting[1], seen), raw[:200]
    assert [id(h) for h in seen] == [id(h) for h in lifted]  # each listed once, in text order, none elsewhere
    return lifted


def _reference(raw: bytes) -> Any:
    """What Document.from_json_bytes gave before the lift: the plain parse, then the files' hex."""
    try:
        m = document.loads_manifest(raw)
        files = {n: document._unhex(v, n) or b"" for n, v in document._files_map(m).items()}
        return ("ok", Document.from_manifest(m, files))
    except CccdError as e:
        return ("error", type(e).__name__, str(e))


def _actual(raw: bytes) -> Any:
    try:
        return ("ok", Document.from_json_bytes(raw))
    except CccdError as e:
        return ("error", type(e).__name__, str(e))


def _dump(seed: int = 1, *, indent: "int | None" = 1, big_pk: bool = False, evidence_last: bool = False) -> bytes:
    rng = random.Random(seed)
    files = {"COM": bytes.fromhex("60165F0104303130375F36063034303030305C04617563"),
             "SOD": rng.randbytes(1500), "DG1": b"\x61\x5b\x5f\x1f\x58" + b"P<UTO" + b"<" * 83,
             "DG2": rng.randbytes(3000), "DG15": rng.randbytes(300), "DG14": rng.randbytes(700)}
    ca = ChipAuthEvidence(protocol="CA", oid="0.4.0.127.0.7.2.2.3.2.2", key_id=None, cipher="AES-128",
                          pk_ifd=rng.randbytes(600 if big_pk else 65)).finished(True, "OK", "proved")
    doc = Document(files=files, absent={"DG3": "EAC-protected (6982)"},
                   access=AccessInfo("PACE", "CAN", "0.4.0.127.0.7.2.2.4.2.2", "GM", "AES-128", 13),
                   evidence=Evidence(aa_challenge=rng.randbytes(8), aa_signature=rng.randbytes(600), ca=ca),
                   read_at="2026-12-03T00:00:00Z", source="test")
    m = doc.manifest(inline=True)
    if evidence_last:  # the lift looks from "files" on (where the writer puts the long hex)
        m["evidence"] = m.pop("evidence")
    return json.dumps(m, indent=indent).encode()


@pytest.mark.parametrize("indent", [1, None])
@pytest.mark.parametrize("big_pk,evidence_last", [(False, False), (False, True), (True, True)])
def test_a_genuine_dump_is_lifted_and_loads_as_before(indent, big_pk, evidence_last):
    raw = _dump(indent=indent, big_pk=big_pk, evidence_last=evidence_last)
    lifted = _agree(raw)
    # SOD, DG2, DG14 (>= LIFT_MIN digits); after them the AA signature, and the CA's pk_ifd when that long
    assert len(lifted) == 3 + evidence_last + big_pk
    assert _actual(raw) == _reference(raw)
    doc = Document.from_json_bytes(raw)
    assert doc.files["DG2"] == bytes.fromhex(json.loads(raw)["files"]["DG2"])
    value, lifted = load_json_lifting_hex(raw, **LIMITS)
    document._inline_document(value)
    assert all(h.taken for h in lifted)  # every lifted value went where hex is read: no second parse


# --- edits the lift must not change the meaning of ------------------------------------------------

HEX = "AB" * (LIFT_MIN // 2 + 3)


def _manifest_with(**extra: Any) -> bytes:
    m = json.loads(_dump())
    for k, v in extra.items():  # after "files", where the lift looks
        m.pop(k, None)
        m[k] = v
    return json.dumps(m, indent=1).encode()


CRAFTED = {
    # a closing quote followed by hex digits: pairing quotes wrongly would make this valid
    "closing quote then hex": b'["a"' + HEX.encode() + b'""]',
    "closing quote then hex, object": b'{"k": "v"' + HEX.encode() + b'"": 1}',
    "word glued before": b'[Na"' + HEX.encode() + b'"]',
    "minus before": b'[-"' + HEX.encode() + b'"]',
    "number before": b'[1"' + HEX.encode() + b'"]',
    "word glued after": b'["' + HEX.encode() + b'"aN]',
    "hex as a member name": b'{"' + HEX.encode() + b'": 1}',
    "hex as a member name, space before colon": b'{"' + HEX.encode() + b'" \n\t : 1}',
    "hex as a member name twice": b'{"' + HEX.encode() + b'": 1, "' + HEX.encode() + b'": 2}',
    "hex value twice under one key": b'{"a": "' + HEX.encode() + b'", "a": "' + HEX.encode() + b'"}',
    "hex where a member name belongs": b'{"' + HEX.encode() + b'" 1}',
    "hex after a value": b'[1 "' + HEX.encode() + b'"]',
    "the text's own NaN before": b'[NaN, "' + HEX.encode() + b'"]',
    "the text's own NaN after": b'["' + HEX.encode() + b'", NaN]',
    "the text's own NaN inside a string": b'["NaN", "' + HEX.encode() + b'"]',
    "Infinity": b'["' + HEX.encode() + b'", Infinity]',
    "top-level hex": b'"' + HEX.encode() + b'"',
    "extra data after": b'{} "' + HEX.encode() + b'"',
    "odd count of digits": b'["' + HEX.encode() + b'A"]',
    "lower case": b'["' + HEX.lower().encode() + b'"]',
    "a space inside": b'["' + HEX[:600].encode() + b' ' + HEX[600:].encode() + b'"]',
    "a control character inside": b'["' + HEX[:600].encode() + b'\x01' + HEX[600:].encode() + b'"]',
    "a tab inside": b'["' + HEX[:600].encode() + b'\t' + HEX[600:].encode() + b'"]',
    "not hex at the end": b'["' + HEX.encode() + b'GG"]',
    "unterminated": b'["' + HEX.encode(),
    "unterminated after a lifted one": b'["' + HEX.encode() + b'", "' + HEX.encode(),
    "invalid UTF-8 before": b'["\xc3"' + HEX.encode() + b'"]',
    "invalid UTF-8 glued before": b'["a", \xc3"' + HEX.encode() + b'"]',
    "invalid UTF-8 glued after": b'["' + HEX.encode() + b'"\x80]',
    "UTF-8 text beside": '["Nguyễn", "'.encode() + HEX.encode() + '", "Đ"]'.encode(),
    "a backslash elsewhere": b'["\\u0041", "' + HEX.encode() + b'"]',
    "a lone surrogate elsewhere": b'["\\ud800", "' + HEX.encode() + b'"]',
    "too deep around": b'[' * 17 + b'"' + HEX.encode() + b'"' + b']' * 17,
    "deep enough around": b'[' * 16 + b'"' + HEX.encode() + b'"' + b']' * 16,
    "too deep in objects": b'{"a":' * 17 + b'"' + HEX.encode() + b'"' + b'}' * 17,
    "brackets in strings": b'["[[[[[[[[[[[[[[[[[[", "' + HEX.encode() + b'"]',
    "in an array": b'{"a": ["' + HEX.encode() + b'", "' + HEX.encode() + b'"]}',
    "just short of the minimum": b'["' + HEX[:LIFT_MIN - 2].encode() + b'"]',
    "the minimum": b'["' + HEX[:LIFT_MIN].encode() + b'"]',
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_texts_parse_as_without_the_lift(name):
    _agree(CRAFTED[name])


def test_the_crafted_texts_do_reach_the_lift():
    """The control: the lift is really exercised by the texts above (not a silent no-op)."""
    assert len(_agree(CRAFTED["in an array"])) == 2
    assert len(_agree(CRAFTED["top-level hex"])) == 1
    assert len(_agree(CRAFTED["the minimum"])) == 1
    assert _agree(CRAFTED["just short of the minimum"]) == []
    assert len(_agree(CRAFTED["deep enough around"])) == 1
    assert _plain(CRAFTED["too deep around"])[:2] == ("refused", "too-deep")
    assert _plain(CRAFTED["closing quote then hex"])[0] == "refused"
    assert _plain(CRAFTED["the text's own NaN after"]) == ("refused", "malformed", "JSON input: NaN is not JSON")


DOCUMENT_EDITS = {
    "hex in absent": lambda: _manifest_with(absent={"DG3": HEX}),
    "hex under an unknown member": lambda: _manifest_with(note=HEX),
    "hex as read_at": lambda: _manifest_with(read_at=HEX),
    "hex as the tool": lambda: _manifest_with(tool=HEX),
    "hex in an array of files": lambda: _manifest_with(files={"DG1": [HEX]}),
    "hex as the format": lambda: _manifest_with(format=HEX),
    "hex in the TA record": lambda: _manifest_with(evidence={"ta": {"outcome": "refused", "detail": HEX}}),
    "hex as the CA's oid": lambda: _manifest_with(evidence={"ca": {"oid": HEX}}),
    "hex as the PACE-CAM data": lambda: _manifest_with(evidence={"pace_cam": {
        "oid": "0.4.0.127.0.7.2.2.4.6.2", "parameter_id": 13, "ca_ic": HEX, "pk_map_ic": HEX}}),
    "hex as the access protocol": lambda: _manifest_with(access={"protocol": HEX}),
    "a file name aliased": lambda: _dump().replace(b'"DG2"', b'"DG02"'),
    "a file of odd length": lambda: _dump().replace(b'"DG2": "', b'"DG2": "A'),
}


@pytest.mark.parametrize("name", sorted(DOCUMENT_EDITS))
def test_documents_with_hex_in_odd_places_load_as_before(name):
    raw = DOCUMENT_EDITS[name]()
    _agree(raw)
    assert _actual(raw) == _reference(raw)


# --- mutations --------------------------------------------------------------------------------------

_BYTES = [b'"', b":", b",", b"{", b"}", b"[", b"]", b"\\", b" ", b"\n", b"N", b"a", b"0", b"F", b"G", b"-",
          b"\x00", b"\x1f", b"\xc3", b"\xff", b"e"]
_SNIPPETS = [b'"', b'""', b"NaN", b"Na", b"N", b"-", b"1", b":", b'":"', b'"DG2":', b'"DG2": "' + HEX.encode() + b'",',
             b"\\u0041", b"\\ud800", b"[", b"]}", b", ", b'"' + HEX.encode() + b'"', HEX.encode()]


def _mutate(rng: random.Random, raw: bytes) -> bytes:
    b = bytearray(raw)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        # a third of the edits next to a quote (where the lift decides), the rest anywhere
        quotes = [i for i in range(len(b)) if b[i] == 0x22] if rng.random() < 0.33 else None
        pos = rng.choice(quotes) + rng.randrange(-2, 3) if quotes else rng.randrange(len(b) + 1)
        pos = min(max(pos, 0), len(b))
        op = rng.randrange(12)
        if op < 4 and pos < len(b):  # a character of a string (often hex) for another one
            b[pos:pos + 1] = bytes([rng.choice(b"0aF9G \t\x01\xc3\xff")]) if op == 3 else rng.choice(_BYTES)
        elif op < 7:
            b[pos:pos] = rng.choice(_SNIPPETS)
        elif op < 9:
            del b[pos:pos + rng.randrange(1, 40)]
        elif op < 11:
            end = min(len(b), pos + rng.randrange(1, 3000))
            b[end:end] = b[pos:end]  # a stretch written twice (keys twice, strings cut in two)
        else:
            del b[pos:]
    return bytes(b)


@pytest.mark.parametrize("seed", range(4))
def test_mutated_dumps_parse_and_load_as_without_the_lift(seed):
    rng = random.Random(1300 + seed)
    bases = [_dump(seed, indent=1), _dump(seed, indent=None, big_pk=True, evidence_last=True)]
    lifted_runs = accepted = 0
    for i in range(1000):
        raw = _mutate(rng, bases[i % 2])
        lifted_runs += bool(_agree(raw))
        result = _actual(raw)
        assert result == _reference(raw), raw[:300]
        accepted += result[0] == "ok"
    # the mutations reach both sides: many still lift and load, many are refused
    assert lifted_runs > 250 and 60 < accepted < 900


def test_threads_lift_their_own_values():
    """The markers' values are per thread: parses running side by side never swap them."""
    raws = [_dump(s, big_pk=s % 2 == 1, evidence_last=s % 2 == 1) for s in range(4)]
    expected = [Document.from_json_bytes(r) for r in raws]
    bad: list[int] = []

    def work(k: int) -> None:
        for j in range(150):
            i = (k + j) % 4
            if Document.from_json_bytes(raws[i]) != expected[i]:
                bad.append(i)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bad == []
