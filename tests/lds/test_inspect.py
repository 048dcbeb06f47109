"""inspect.describe: every seed file type gives decoded, JSON-serialisable fields."""

from __future__ import annotations

import json

import pytest

from cccd_chip.lds import inspect

from fuzz_corpus import seeds

EXPECTED_KEYS = {
    "COM": "data_groups", "DG1": "check_digits", "DG2": "blocks", "DG3": "templates", "DG4": "templates", "DG5": "images",
    "DG7": "images", "DG11": "full_name", "DG12": "issuing_authority", "DG13": "personal_data",
    "DG14": "security_infos", "DG15": "key_type", "DG16": "persons", "CardAccess": "security_infos",
    "CardSecurity": "signer_infos", "SOD": "data_group_hashes",
}


@pytest.mark.parametrize("index", range(len(seeds())))
def test_describe_every_file_type(index):
    name, raw = seeds()[index]
    d = inspect.describe(name, raw)
    assert "error" not in d, d
    assert d["file"] == name and d["size"] == len(raw)
    assert EXPECTED_KEYS[name] in d["fields"]
    json.dumps(d, ensure_ascii=False)
    # identification without a name (what `cccd inspect FILE` does)
    guessed = inspect.describe(None, raw)
    assert guessed["file"] == name or name in ("DG14",) or guessed["file"] in ("CardAccess", "CardSecurity")


def test_describe_values():
    by = {}
    for name, raw in seeds():
        by.setdefault(name, inspect.describe(name, raw)["fields"])
    assert by["DG1"]["cccd_id"] == "079090123456"
    assert all(c["ok"] for c in by["DG1"]["check_digits"].values())
    assert by["DG13"]["personal_data"]["full_name"] == "Trần Văn Bình"
    assert by["DG13"]["personal_data"]["date_of_birth"] == "1990-05-15"
    assert by["DG2"]["blocks"][0]["faces"][0]["image_format"] == "JPEG"
    assert by["SOD"]["hash_algorithm"] == "sha256" and set(by["SOD"]["data_group_hashes"]) == {"DG1", "DG2", "DG13"}
    assert by["CardAccess"]["security_infos"][2]["algorithm"] == "id-PACE-ECDH-GM-AES-CBC-CMAC-128"
    assert by["COM"]["data_groups"] == ["DG1", "DG2", "DG3", "DG13", "DG14", "DG15"]


def test_describe_names_from_paths_and_errors():
    name, raw = seeds()[0]
    assert inspect.describe("dump/COM.bin", raw)["file"] == "COM"
    bad = inspect.describe("DG13", b"\x6d\x05\x30")
    assert bad["error"]["reason"] == "MALFORMED" and bad["error"]["offset"] == 0
    assert inspect.describe(None, b"")["error"]
    assert inspect.protected("DG3")["status"].startswith("present, not readable")
