"""test_vectors/lds/: generated sample files still decode, rebuild and export."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from cccd_chip.lds import dg2, inspect, registry

from make_samples import deterministic

DIR = Path(__file__).resolve().parents[2] / "test_vectors" / "lds"


@pytest.mark.parametrize("name", sorted(deterministic()))
def test_builders_reproduce_samples(name):
    assert (DIR / name).read_bytes() == deterministic()[name]


@pytest.mark.parametrize("path", sorted(DIR.glob("*.bin")), ids=lambda p: p.name)
def test_samples_decode_and_rebuild(path):
    raw = path.read_bytes()
    info = registry.identify(raw)
    assert info is not None
    assert info.build(info.parse(raw)) == raw
    assert "error" not in inspect.describe(None, raw)


@pytest.mark.parametrize("fmt", ["jpeg", "jp2", "j2k"])
def test_sample_face_export(fmt, tmp_path):
    v = dg2.parse((DIR / f"dg2_{fmt}.bin").read_bytes())
    out = tmp_path / ("face.jpg" if fmt == "jpeg" else "face.png")
    data = dg2.export_face(v, str(out))
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (48, 64) and im.format == ("JPEG" if fmt == "jpeg" else "PNG")
    if fmt == "jpeg":
        assert data == v.faces[0].image
