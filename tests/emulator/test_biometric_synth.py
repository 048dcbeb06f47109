"""Synthetic fingerprints (DG3) and irises (DG4) of the virtual cards."""

from __future__ import annotations

import io
import statistics

import pytest
from PIL import Image

from cccd_chip.emulator import finger_synth, iris_synth
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import DG3_FINGERS, personalize
from cccd_chip.lds import dg3, dg4, finger, iris, wsq


def _ridge_period(row: bytes) -> float:
    """Mean distance between dark-to-light crossings along a row (pixels)."""
    mean = statistics.fmean(row)
    ups = [i for i in range(1, len(row)) if row[i - 1] < mean <= row[i]]
    return (ups[-1] - ups[0]) / (len(ups) - 1)


@pytest.mark.parametrize("seed,position", [(1, 2), (1, 7), (2, 2), (9, 7)])
def test_fingers_are_ridge_images_at_500_ppi(seed, position):
    im = finger_synth.image(seed, position)
    assert im.size == (finger_synth.WIDTH, finger_synth.HEIGHT) and im.mode == "L"
    centre = im.crop((100, 150, 220, 250)).tobytes()
    assert statistics.pstdev(centre) > 30  # ridges and valleys, not a flat field
    # below the core the ridges run across the finger: a vertical line crosses them
    column = im.crop((160, 280, 161, 370)).tobytes()
    assert 6 <= _ridge_period(column) <= 16  # ridge spacing of a finger at 500 ppi (~0.4-0.6 mm)
    assert im.getpixel((2, 2)) > 230  # background outside the contact area


def test_fingers_are_deterministic_and_differ_per_seed_and_finger():
    assert finger_synth.pixels(3, 2) == finger_synth.pixels(3, 2)
    assert finger_synth.pixels(3, 2) != finger_synth.pixels(3, 7) != finger_synth.pixels(4, 7)
    assert finger_synth.pattern_for(3, 2) in finger_synth.PATTERNS


@pytest.mark.parametrize("profile", ["cccd-2021", "cccd-2024", "passport-eac"])
def test_dg3_holds_two_wsq_index_fingers(tmp_path, profile):
    card = VirtualCard.load(personalize(profile, 6, tmp_path / profile))
    v = dg3.parse(card.files["DG3"].data)
    assert card.files["DG3"].access == "eac"
    assert [b.info.header.biometric_subtype for b in v.blocks] == [0x09, 0x0A]
    records = v.records
    assert all(isinstance(r, finger.FingerRecord) and r.defects == () for r in records)
    assert {(r.compression_name, r.horizontal_image_resolution, r.pixel_depth, r.scale_units) for r in records} == {
        ("WSQ", 500, 8, 1)}
    views = [vw for r in records for vw in r.views]
    assert tuple(vw.position for vw in views) == DG3_FINGERS
    assert all(0 <= vw.quality <= 100 and vw.impression_type == 0 for vw in views)
    for vw in views:
        decoded = wsq.decode(vw.image)
        assert decoded.size == (vw.width, vw.height)
        diff = sum(abs(a - b) for a, b in zip(decoded.tobytes(), finger_synth.pixels(6, vw.position)))
        assert diff / len(decoded.tobytes()) < 12  # the WSQ image is the drawn finger


def test_dg4_holds_two_eyes_on_the_eac_passport(tmp_path):
    card = VirtualCard.load(personalize("passport-eac", 6, tmp_path / "p"))
    assert card.files["DG4"].access == "eac" and card.files["DG3"].access == "eac"
    v = dg4.parse(card.files["DG4"].data)
    (r1, r2) = v.records
    assert isinstance(r1, iris.IrisRecord) and r1.image_format_name == "mono JPEG"
    assert [im.eye_name for r in (r1, r2) for im in r.images] == ["right-eye", "left-eye"]
    im = Image.open(io.BytesIO(r1.images[0].image))
    assert im.size == (r1.width, r1.height) == (iris_synth.WIDTH, iris_synth.HEIGHT) and im.mode == "L"
    centre = im.crop((iris_synth.WIDTH // 2 - 10, iris_synth.HEIGHT // 2 - 10, iris_synth.WIDTH // 2 + 10,
                      iris_synth.HEIGHT // 2 + 10))
    assert statistics.fmean(centre.tobytes()) < 80  # the pupil is dark


def test_same_seed_same_biometric_files(tmp_path):
    a = VirtualCard.load(personalize("passport-eac", 2, tmp_path / "a"))
    b = VirtualCard.load(personalize("passport-eac", 2, tmp_path / "b"))
    assert a.files["DG3"].data == b.files["DG3"].data and a.files["DG4"].data == b.files["DG4"].data
