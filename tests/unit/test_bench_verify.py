"""Smoke test of benchmarks/bench_verify.py: its floor does the real work and refuses a wrong input.

No timing is asserted: one read of a cccd-2024 virtual card (PACE-CAM data,
EF.CardSecurity, RSA AA), its floor steps run once, one paired round measured.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from testsupport.bench import load_benchmark

from cccd_chip.document import Document
from cccd_chip.evidence import PaceCamEvidence
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import VirtualCard
from cccd_chip.emulator.personalize import personalize
from cccd_chip.reader import Credential, read_document
from cccd_chip.transport.local import LocalTransport


def test_floor_and_one_paired_round(tmp_path: Path) -> None:
    bench = load_benchmark("bench_verify")
    card_dir = Path(personalize("cccd-2024", 3, tmp_path / "card"))
    secrets = json.loads((card_dir / "card.json").read_text())["secrets"]
    doc = read_document(LocalTransport(Applet(VirtualCard.load(card_dir))), Credential.from_can(secrets["can"]))
    raw = json.dumps(doc.manifest(inline=True)).encode()
    case = bench.Case("cccd-2024", [raw], ["--csca", str(card_dir / "csca.pem")])
    bench.prepare(case, bench.Policy())
    (steps,) = case.floor_inputs
    # DG1, DG2, DG13, DG14, DG15 hashed (DG3 is EAC-protected); SOD and CardSecurity (hash + signature); CAM; AA
    assert len(steps) == 5 + 2 + 2 + 1 + 1
    for step in steps:
        step()
    r = bench.measure(case, bench.Policy(), rounds=1, target_s=0.001)
    assert r["floor_us"] > 0 and len(r["doc"]) == len(r["dump"]) == 1

    # the floor checks what it computes: other CAM data or another AA signature stop it
    cam = doc.evidence.pace_cam
    assert isinstance(cam, PaceCamEvidence)
    cam = dataclasses.replace(cam, ca_ic=(int.from_bytes(cam.ca_ic, "big") ^ 1).to_bytes(len(cam.ca_ic), "big"))
    bad = Document.from_json_bytes(raw)
    bad = dataclasses.replace(bad, evidence=dataclasses.replace(bad.evidence, pace_cam=cam))
    with pytest.raises(SystemExit):
        for step in bench.floor_steps(bad, case.ts):
            step()
