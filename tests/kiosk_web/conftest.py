"""Fixtures of the kiosk screen tests: virtual cards (with a JPEG2000 face, with hostile strings)
and one headless Chromium per module."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # kiosk_browser (this folder has no __init__.py)

import kiosk_browser as kb  # noqa: E402
from kiosk_browser import HOSTILE, HOSTILE2  # noqa: E402


class Cards:
    """Virtual cards personalised on first use into one session folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict = {}

    def get(self, seed: int = 7, *faults: str, profile: str = "cccd-2021", variant: str = "") -> Path:
        key = (profile, seed, faults, variant)
        if key not in self._made:
            from cccd_chip.emulator import personalize as pers

            name = "-".join([profile, str(seed), variant, *[f.replace(":", "_") for f in faults]])
            with pytest.MonkeyPatch.context() as mp:
                if variant == "jpeg2000":
                    mp.setattr(pers, "_dg2", _dg2_jpeg2000)
                elif variant == "hostile":
                    real = pers.invent
                    mp.setattr(pers, "invent", lambda s, **kw: dataclasses.replace(
                        real(s, **kw), residence=HOSTILE, hometown=HOSTILE2))
                self._made[key] = Path(pers.personalize(profile, seed, self.root / name, faults))
        return self._made[key]

    @staticmethod
    def secrets(card: Path) -> dict:
        return json.loads((card / "card.json").read_text())["secrets"]


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
    yield Cards(root)
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
