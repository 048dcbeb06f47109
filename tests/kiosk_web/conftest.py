"""Fixtures of the kiosk screen tests: virtual cards (with a JPEG2000 face, with hostile strings)
and one headless Chromium per module."""

from __future__ import annotations

import dataclasses
import io
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # kiosk_browser (this folder has no __init__.py)

import kiosk_browser as kb  # noqa: E402
from kiosk_browser import HOSTILE, HOSTILE2  # noqa: E402
from testsupport.cards import Cards  # noqa: E402


def _jpeg2000_face(mp: pytest.MonkeyPatch) -> None:
    from cccd_chip.emulator import personalize as pers

    mp.setattr(pers, "_dg2", _dg2_jpeg2000)


def _hostile_strings(mp: pytest.MonkeyPatch) -> None:
    """Place of residence and hometown made of markup and control characters (kiosk_browser.HOSTILE)."""
    from cccd_chip.emulator import personalize as pers

    real = pers.invent
    mp.setattr(pers, "invent", lambda s, **kw: dataclasses.replace(real(s, **kw), residence=HOSTILE, hometown=HOSTILE2))


def _dg2_jpeg2000(h, seed: int, *layout) -> bytes:
    """DG2 whose face is JPEG2000 (ISO 19794-5 image data type 1), signed like any other card."""
    from PIL import Image

    from cccd_chip.emulator.face_synth import face_jpeg
    from cccd_chip.lds import dg2, face

    with Image.open(io.BytesIO(face_jpeg(seed))) as im:
        buf = io.BytesIO()
        im.convert("RGB").save(buf, "JPEG2000", quality_mode="rates", quality_layers=[40])
    img = face.FaceImage(gender=1 if h.sex == "M" else 2, face_image_type=1, image_data_type=1,
                         width=480, height=640, colour_space=1, source_type=2, image=buf.getvalue())
    return dg2.make([img]).raw


@pytest.fixture(scope="session")
def cards(tmp_path_factory):
    root = tmp_path_factory.mktemp("kiosk-cards")
    yield Cards(root, {"jpeg2000": _jpeg2000_face, "hostile": _hostile_strings})
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    driver = kb.start_chromium()
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(driver.profile_dir, ignore_errors=True)


@pytest.fixture
def kiosk():
    """kiosk(*args) -> a running ``cccd kiosk`` process (stopped after the test)."""
    procs = []

    def start(*args, **kw):
        p = kb.KioskProcess(*args, **kw)
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.stop()
