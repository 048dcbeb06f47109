"""``load_json`` on bytes without a backslash skips the surrogate scan and walks containers only
(issue 13): it must refuse and accept exactly what the full walk (text input, every string and
key looked at) refuses and accepts."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from cccd_chip.json_input import JsonInputError, load_json


def _outcome(raw: "bytes | str") -> Any:
    try:
        return ("ok", load_json(raw, max_size=1 << 20, max_depth=8))
    except JsonInputError as e:
        return ("refused", e.kind)


def _nest(rng: random.Random, depth: int) -> Any:
    if depth == 0 or rng.random() < 0.2:
        return rng.choice([1, "x", None, True, 2.5, "Nguyễn", [], {}])
    if rng.random() < 0.5:
        return [_nest(rng, depth - 1) for _ in range(rng.randrange(0, 3))]
    return {f"k{i}": _nest(rng, depth - 1) for i in range(rng.randrange(0, 3))}


def test_bytes_and_text_paths_agree_on_random_nestings() -> None:
    rng = random.Random(13)
    for _ in range(3000):
        text = json.dumps(_nest(rng, 12), ensure_ascii=False)
        assert "\\" not in text
        assert _outcome(text.encode()) == _outcome(text), text


@pytest.mark.parametrize("depth,kind", [(8, "ok"), (9, "refused")])
@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_depth_limit_on_the_bytes_path(depth: int, kind: str, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = opener * depth + "0" + closer * depth
    assert _outcome(text.encode())[0] == kind == _outcome(text)[0]


@pytest.mark.parametrize("text", ["5", '"s"', "null", "[]", "{}", '"Nguyễn"'])
def test_top_level_scalars_on_the_bytes_path(text: str) -> None:
    assert _outcome(text.encode()) == _outcome(text) == ("ok", json.loads(text))


def test_a_backslash_still_means_the_surrogate_scan() -> None:
    assert _outcome(b'{"a": "\\ud800"}') == ("refused", "bad-unicode")
    assert _outcome(b'{"a": "\\\\ud800"}')[0] == "ok"  # an escaped backslash, then text: no surrogate
    assert _outcome(b'{"\\udc00": 1}') == ("refused", "bad-unicode")
