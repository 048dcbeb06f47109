"""Class (h): an attacker hands over hostile JSON and hostile file systems (issue 18, defects 5 and 6).

JSON: duplicate keys (the issue's dump with DG1 twice, "format"/"files" twice, keys inside
access/evidence/absent), nesting from 33 to 200 000 levels in every place, lone
surrogates in values and keys, invalid UTF-8, a byte-order mark, UTF-16, NaN/Infinity,
a 5000-digit integer, sizes over the limit. Every JSON input the project reads goes
through ``cccd_chip.json_input.load_json``: single-file dumps, folder manifests,
``--stream`` lines, traces, ``watch --credentials``, virtual cards, the service's request
bodies, the kiosk's CAN body, archive result files.

File systems: a FIFO named ``DG11.bin`` (must not hang), symlinks to ``/dev/zero``, to a
file outside the folder (must not be read or printed), to a folder; a directory where a
file should be; sparse files over the size limit; FIFOs and devices given as the trace,
the credentials file, a CSCA or a master-list root.

Expected: ``error`` (exit 6 for data, 2 for a usage error), never exit 70, never a hang,
never a result computed from a file outside the dump; a bad input in a batch is one
result line with its reason and the batch goes on.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from adversary import AT_TEXT, Outcome, dump_outcome, exit_outcome, outcome_of_error, run_cli, write_dump
from cccd_chip.document import Document
from cccd_chip.json_input import JsonInputError, load_json

DUMP_FORMAT = dict(expect="error", reason="DUMP_FORMAT", exit_code=6)
SECRET = "TOP-SECRET-OUTSIDE-THE-DUMP"


def deep(n: int, leaf: str = "0") -> str:
    return "[" * n + leaf + "]" * n


def _text(m: dict) -> str:
    return json.dumps(m)


# --- duplicate keys ----------------------------------------------------------------------------------------


def _dup_dg1_first_wins_other(g, other) -> str:
    """The issue's dump: DG1 twice; Python kept the last (genuine), a first-wins reader the other card's."""
    files = dict(g.manifest["files"])
    genuine_dg1 = files.pop("DG1")
    inner = ", ".join([f'"DG1": "{other.manifest["files"]["DG1"]}"'] + [f'"{k}": "{v}"' for k, v in files.items()]
                      + [f'"DG1": "{genuine_dg1}"'])
    m = g.manifest_copy()
    m["files"] = "@FILES@"
    return _text(m).replace('"@FILES@"', "{" + inner + "}")


def _dup_key(g, key: str) -> str:
    text = _text(g.manifest)
    value = json.dumps(g.manifest[key])
    return text.replace(f'"{key}": {value}', f'"{key}": {value}, "{key}": {value}', 1)


DUPLICATES = {
    "DG1 twice (other card first)": lambda g, o: _dup_dg1_first_wins_other(g, o),
    "format twice": lambda g, o: _dup_key(g, "format"),
    "version twice": lambda g, o: _dup_key(g, "version"),
    "files twice": lambda g, o: _dup_key(g, "files"),
    "access twice": lambda g, o: _dup_key(g, "access"),
    "evidence twice": lambda g, o: _dup_key(g, "evidence"),
    "absent twice": lambda g, o: _dup_key(g, "absent"),
    "SOD twice": lambda g, o: _text(g.manifest).replace('"SOD": ', '"SOD": "00", "SOD": ', 1),
    "access.protocol twice": lambda g, o: _text(g.manifest).replace('"protocol": ', '"protocol": "BAC", "protocol": ', 1),
    "absent key twice": lambda g, o: _text(dict(g.manifest_copy(), absent="@A@")).replace(
        '"@A@"', '{"DG3": "6982", "DG3": "6A82"}'),
    "escaped twin key": lambda g, o: _text(g.manifest).replace('"format": ', '"form\\u0061t": "x", "format": ', 1),
}


@pytest.mark.parametrize("case", sorted(DUPLICATES))
def test_duplicate_keys_are_refused(genuine, judge, case):
    g, other = genuine(), genuine(seed=8)
    raw = DUPLICATES[case](g, other)
    json.loads(raw)  # it IS JSON to Python's json (last key wins)
    judge(dump_outcome(raw, g.store), **DUMP_FORMAT)


def test_the_genuine_twin_is_successful(genuine, judge):
    g = genuine()
    judge(dump_outcome(g.dump_bytes(), g.store), expect="successful")


# --- depth, encoding, numbers, size ------------------------------------------------------------------------

PLACES = {
    "top": lambda m, x: x,
    "absent": lambda m, x: _text(dict(m, absent="@X@")).replace('"@X@"', x),
    "evidence.ca": lambda m, x: _text(dict(m, evidence={"ca": "@X@"})).replace('"@X@"', x),
    "source": lambda m, x: _text(dict(m, source="@X@")).replace('"@X@"', x),
    "files.DG1": lambda m, x: _text(dict(m, files=dict(m["files"], DG1="@X@"))).replace('"@X@"', x),
    "extra key": lambda m, x: _text(dict(m, zzz="@X@")).replace('"@X@"', x),
}
DEPTHS = (33, 1000, 5000, 200_000)


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_nesting_is_refused(genuine, judge, place, depth):
    g = genuine()
    raw = PLACES[place](g.manifest, deep(depth))
    judge(dump_outcome(raw, g.store), **DUMP_FORMAT)


@pytest.mark.parametrize("shape", ["objects", "mixed"])
def test_deep_objects(genuine, judge, shape):
    g = genuine()
    n = 50_000
    x = ('{"a":' * n + "0" + "}" * n) if shape == "objects" else ('[{"a":' * n + "0" + "}]" * n)
    judge(dump_outcome(PLACES["absent"](g.manifest, x), g.store), **DUMP_FORMAT)


ENCODINGS = {
    "lone high surrogate in source": lambda m: _text(dict(m, source="@")).replace('"@"', '"\\ud800"'),
    "lone low surrogate in absent": lambda m: _text(dict(m, absent={"DG3": "@"})).replace('"@"', '"x\\udc00y"'),
    "lone surrogate in a key": lambda m: _text(dict(m, absent={"@": "x"})).replace('"@"', '"\\udbff"'),
    "lone surrogate in a file name": lambda m: _text(dict(m, files=dict(m["files"], **{"@": "00"}))).replace(
        '"@"', '"DG\\ud800"'),
    "reversed surrogate pair": lambda m: _text(dict(m, source="@")).replace('"@"', '"\\udc00\\ud800"'),
    "invalid UTF-8": lambda m: _text(dict(m, source="@")).encode().replace(b'"@"', b'"\xff\xfe"'),
    "overlong UTF-8": lambda m: _text(dict(m, source="@")).encode().replace(b'"@"', b'"\xc0\xaf"'),
    "UTF-8 surrogate bytes": lambda m: _text(dict(m, source="@")).encode().replace(b'"@"', b'"\xed\xa0\x80"'),
    "byte-order mark": lambda m: b"\xef\xbb\xbf" + _text(m).encode(),
    "UTF-16": lambda m: _text(m).encode("utf-16"),
    "NaN": lambda m: _text(dict(m, version="@")).replace('"@"', "NaN"),
    "Infinity": lambda m: _text(dict(m, version="@")).replace('"@"', "Infinity"),
    "-Infinity in evidence": lambda m: _text(dict(m, evidence={"ca": {"key_id": "@"}})).replace('"@"', "-Infinity"),
    "5000-digit integer": lambda m: _text(dict(m, version="@")).replace('"@"', "1" * 5000),
    "1e400": lambda m: _text(dict(m, version="@")).replace('"@"', "1e400"),
    "trailing garbage": lambda m: _text(m) + "}",
    "two documents": lambda m: _text(m) + _text(m),
    "NUL byte": lambda m: _text(m).encode().replace(b'"format"', b'"for\x00mat"', 1),
    "not an object": lambda m: json.dumps([m]),
    "empty": lambda m: "",
}


@pytest.mark.parametrize("case", sorted(ENCODINGS))
def test_encoding_and_number_tricks(genuine, judge, case):
    g = genuine()
    judge(dump_outcome(ENCODINGS[case](g.manifest), g.store), **DUMP_FORMAT)


def test_loader_kinds_and_limits():
    cases = {
        '{"a":1,"a":2}': "duplicate-key", deep(100): "too-deep", deep(100_000): "too-deep",
        '"\\ud800"': "bad-unicode", "NaN": "malformed", '{"a": [1,}': "malformed",
    }
    for raw, kind in cases.items():
        with pytest.raises(JsonInputError) as e:
            load_json(raw.encode(), max_size=1 << 20)
        assert e.value.kind == kind
    with pytest.raises(JsonInputError) as e:
        load_json(b"[" + b"0," * 1000 + b"0]", max_size=100)
    assert e.value.kind == "too-large"
    assert load_json('{"x": "\\ud83d\\ude00 Nguyễn"}'.encode(), max_size=100) == {"x": "\U0001F600 Nguyễn"}
    assert load_json(deep(32).encode(), max_size=1000) is not None  # the limit itself is fine


# --- the same through every reader of JSON ------------------------------------------------------------------

HOSTILE_LINES = {
    "duplicate": '{"format":"cccd-dump","format":"cccd-dump","version":1,"files":{}}',
    "deep": deep(100_000),
    "surrogate": '{"format":"cccd-dump","version":1,"files":{},"source":"\\ud800"}',
    "nan": '{"format":"cccd-dump","version":NaN,"files":{}}',
    "invalid utf-8": b'{"format":"cccd-dump","version":1,"files":{},"source":"\xff"}',
}


def test_stream_batch_goes_on_after_every_hostile_line(genuine, judge):
    g = genuine()
    lines = [g.dump_bytes()]
    for v in HOSTILE_LINES.values():
        lines += [v if isinstance(v, bytes) else v.encode(), g.dump_bytes()]
    r = run_cli("verify", "--stream", "--workers", "1", "--csca", g.card_dir / "csca.pem", "--at", AT_TEXT,
                "--jsonl", stdin=b"\n".join(lines) + b"\n")
    rows = [json.loads(ln) for ln in r.out.splitlines()]
    assert len(rows) == len(lines)  # one result line per input, the batch went on
    bad = [row for row in rows if row.get("error")]
    assert len(bad) == len(HOSTILE_LINES) and all(row["error"]["reason"] == "DUMP_FORMAT" for row in bad)
    judge(exit_outcome(r.code, r.err[-300:]), expect="error", exit_code=6)


def test_folder_batch_goes_on_after_every_hostile_dump(genuine, judge, tmp_path):
    g = genuine()
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "00-good.json").write_bytes(g.dump_bytes())
    for i, v in enumerate(HOSTILE_LINES.values()):
        (folder / f"{i + 1:02d}-bad.json").write_bytes(v if isinstance(v, bytes) else v.encode())
    os.mkfifo(folder / "50-fifo.json")
    os.symlink("/dev/zero", folder / "51-zero.json")
    (folder / "99-good.json").write_bytes(g.dump_bytes())
    r = run_cli("verify", folder, "--workers", "1", "--csca", g.card_dir / "csca.pem", "--at", AT_TEXT, timeout=120)
    lines = r.out.splitlines()
    assert len(lines) == len(HOSTILE_LINES) + 4, r.out
    assert lines[0].endswith(": successful") and lines[-1].endswith(": successful")
    assert sum(": error DUMP_FORMAT" in ln for ln in lines) == len(HOSTILE_LINES) + 2
    judge(exit_outcome(r.code, r.err[-300:]), expect="error", exit_code=6)


@pytest.mark.parametrize("case", sorted(HOSTILE_LINES))
def test_trace_replay_with_hostile_lines(genuine, judge, tmp_path, case):
    v = HOSTILE_LINES[case]
    line = v if isinstance(v, bytes) else v.encode()
    trace = tmp_path / "t.jsonl"
    trace.write_bytes(b'{"format":"cccd-apdu-trace","version":1}\n' + line + b"\n")
    r = run_cli("trace", "replay", trace, "--can", "123456")
    judge(r.outcome, expect="error", exit_code=6)


@pytest.mark.parametrize("case", ["duplicate", "deep", "surrogate", "nan", "list dob", "object can"])
def test_watch_credentials_with_hostile_json(genuine, judge, tmp_path, case):
    g = genuine()
    text = {"duplicate": '{"can":"000000","can":"%s"}' % g.secrets["can"], "deep": '{"can":' + deep(50_000) + "}",
            "surrogate": '{"can":"\\ud800"}', "nan": '{"can":NaN}', "list dob": '{"id":"%s","dob":[1]}' % g.secrets["id"],
            "object can": '{"can":{"a":1}}'}[case]
    creds = tmp_path / "creds.txt"
    creds.write_text(text + "\n")
    r = run_cli("watch", "--virtual", g.card_dir, "--credentials", creds, "--out-jsonl", tmp_path / "r.jsonl")
    judge(r.outcome, expect="error", exit_code=2)
    assert not (tmp_path / "r.jsonl").exists()


@pytest.mark.parametrize("case", ["duplicate", "deep", "surrogate", "nan"])
def test_inspect_with_hostile_json(genuine, judge, tmp_path, case):
    p = tmp_path / "d.json"
    p.write_text(HOSTILE_LINES[case])
    judge(run_cli("inspect", p).outcome, expect="error", exit_code=6)


@pytest.mark.parametrize("case", sorted(HOSTILE_LINES))
def test_service_body_loader(judge, case):
    from cccd_chip.service.body import BodyError, load_request_json

    v = HOSTILE_LINES[case]
    try:
        load_request_json(v if isinstance(v, bytes) else v.encode(), 64)
        o = Outcome("successful")
    except BodyError as e:
        o = Outcome("error", (e.slug,), 6 if e.status == 400 else 1)
    except Exception as e:  # noqa: BLE001
        o = outcome_of_error(e)
    judge(o, expect="error", exit_code=6)


def test_virtual_card_json_hostile(cards, judge, tmp_path):
    src = cards.get("cccd-2021", 7)
    for i, text in enumerate(['{"format":"cccd-virtual-card","format":"x"}', deep(100_000), '{"format":NaN}']):
        d = tmp_path / f"c{i}"
        shutil.copytree(src, d)
        (d / "card.json").write_text(text)
        judge(run_cli("read", "--virtual", d, "--can", "123456").outcome, expect="error", exit_code=2)


# --- special files in dump folders ------------------------------------------------------------------------------


def _folder(g, tmp_path, name="dump"):
    d = tmp_path / name
    g.doc.save(d)
    return d


def _load_outcome(path) -> Outcome:
    try:
        Document.load(path)
        return Outcome("successful")
    except Exception as e:  # noqa: BLE001
        return outcome_of_error(e)


SPECIALS = {
    "fifo DG11": lambda d, t: (os.unlink(d / "DG13.bin"), os.mkfifo(d / "DG13.bin")),
    "symlink DG2 to /dev/zero": lambda d, t: (os.unlink(d / "DG2.bin"), os.symlink("/dev/zero", d / "DG2.bin")),
    "symlink DG1 to /dev/urandom": lambda d, t: (os.unlink(d / "DG1.bin"), os.symlink("/dev/urandom", d / "DG1.bin")),
    "symlink DG1 to a file outside": lambda d, t: (os.unlink(d / "DG1.bin"), (t / "secret.bin").write_text(SECRET),
                                                    os.symlink(t / "secret.bin", d / "DG1.bin")),
    "relative symlink DG1 out of the folder": lambda d, t: (os.unlink(d / "DG1.bin"),
                                                            (t / "secret.bin").write_text(SECRET),
                                                            os.symlink("../secret.bin", d / "DG1.bin")),
    "symlink DG1 to a sibling inside": lambda d, t: (os.unlink(d / "DG1.bin"), os.symlink("DG2.bin", d / "DG1.bin")),
    "DG1 is a folder": lambda d, t: (os.unlink(d / "DG1.bin"), os.mkdir(d / "DG1.bin")),
    "DG2 sparse over the limit": lambda d, t: os.truncate(d / "DG2.bin", 64 * 1024 * 1024),
    "dump.json a fifo": lambda d, t: (os.unlink(d / "dump.json"), os.mkfifo(d / "dump.json")),
    "dump.json to /dev/zero": lambda d, t: (os.unlink(d / "dump.json"), os.symlink("/dev/zero", d / "dump.json")),
    "dump.json a symlink to a genuine manifest": lambda d, t: (os.rename(d / "dump.json", t / "m.json"),
                                                              os.symlink(t / "m.json", d / "dump.json")),
    "dump.json a folder": lambda d, t: (os.unlink(d / "dump.json"), os.mkdir(d / "dump.json")),
    "dump.json sparse 1 GiB": lambda d, t: os.truncate(d / "dump.json", 1 << 30),
    "dangling symlink DG1": lambda d, t: (os.unlink(d / "DG1.bin"), os.symlink(t / "nothing", d / "DG1.bin")),
    "DG1 unreadable": lambda d, t: os.chmod(d / "DG1.bin", 0),
}


@pytest.mark.parametrize("case", sorted(SPECIALS))
def test_special_files_in_a_dump_folder(genuine, judge, tmp_path, case):
    g = genuine()
    d = _folder(g, tmp_path)
    SPECIALS[case](d, tmp_path)
    if case == "DG1 unreadable" and os.geteuid() == 0:
        os.chmod(d / "DG1.bin", 0o644)  # root reads anything: make it a symlink loop instead
        os.unlink(d / "DG1.bin")
        os.symlink("DG1.bin", d / "DG1.bin")
    judge(_load_outcome(d), **DUMP_FORMAT)


@pytest.mark.parametrize("case", ["fifo DG11", "symlink DG2 to /dev/zero", "symlink DG1 to a file outside",
                                  "relative symlink DG1 out of the folder", "dump.json a fifo"])
@pytest.mark.parametrize("command", ["verify", "inspect"])
def test_special_files_through_the_command(genuine, judge, tmp_path, case, command):
    g = genuine()
    d = _folder(g, tmp_path)
    SPECIALS[case](d, tmp_path)
    args = [command, d] + (["--csca", g.card_dir / "csca.pem", "--at", AT_TEXT] if command == "verify" else [])
    r = run_cli(*args, timeout=60)
    judge(r.outcome, expect="error", exit_code=6)
    assert SECRET not in r.out and SECRET not in r.err
    assert SECRET.encode().hex().upper() not in r.out


def test_single_file_dump_special_files(genuine, judge, tmp_path):
    g = genuine()
    os.mkfifo(tmp_path / "fifo.json")
    judge(_load_outcome(tmp_path / "fifo.json"), **DUMP_FORMAT)
    os.symlink("/dev/zero", tmp_path / "zero.json")
    judge(_load_outcome(tmp_path / "zero.json"), **DUMP_FORMAT)
    big = tmp_path / "big.json"
    big.write_bytes(b" ")
    os.truncate(big, 1 << 31)
    judge(_load_outcome(big), **DUMP_FORMAT)
    # a symlink named on the command line is the operator's choice: resolved and read as a regular file
    real = write_dump(g.manifest, tmp_path / "real.json")
    os.symlink(real, tmp_path / "link.json")
    judge(exit_outcome(run_cli("verify", tmp_path / "link.json", "--csca", g.card_dir / "csca.pem", "--at",
                               AT_TEXT).code), expect="successful")


def test_symlinked_dump_folder_inside_a_folder_of_dumps(genuine, judge, tmp_path):
    g = genuine()
    real = _folder(g, tmp_path, "real")
    batch = tmp_path / "batch"
    batch.mkdir()
    os.symlink(real, batch / "linked")
    r = run_cli("verify", batch, "--workers", "1", "--csca", g.card_dir / "csca.pem", "--at", AT_TEXT)
    assert "error DUMP_FORMAT" in r.out
    judge(r.outcome, expect="error", exit_code=6)


SPECIAL_INPUTS = {
    "trace fifo": (["trace", "replay", "@", "--can", "123456"], 6),
    "trace /dev/zero": (["trace", "replay", "/dev/zero", "--can", "123456"], 6),
    "credentials fifo": (["watch", "--virtual", "@card", "--credentials", "@", "--out-jsonl", "@out"], 2),
    "credentials /dev/zero": (["watch", "--virtual", "@card", "--credentials", "/dev/zero", "--out-jsonl", "@out"], 2),
    "csca fifo": (["verify", "@dump", "--csca", "@"], 6),
    "csca /dev/zero": (["verify", "@dump", "--csca", "/dev/zero"], 6),
    "masterlist root fifo": (["verify", "@dump", "--masterlist", "@dump", "--masterlist-root", "@"], 6),
    "crl /dev/zero": (["verify", "@dump", "--crl", "/dev/zero"], 6),
    "ldif fifo": (["verify", "@dump", "--ldif", "@"], 6),
    "inspect fifo": (["inspect", "@"], 6),
}


@pytest.mark.parametrize("case", sorted(SPECIAL_INPUTS))
def test_special_files_as_other_inputs(genuine, judge, tmp_path, case):
    g = genuine()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    dump = write_dump(g.manifest, tmp_path / "d.json")
    args, code = SPECIAL_INPUTS[case]
    subst = {"@": fifo, "@card": g.card_dir, "@out": tmp_path / "o.jsonl", "@dump": dump}
    r = run_cli(*[subst.get(a, a) for a in args], timeout=60)
    judge(r.outcome, expect="error", exit_code=code)
