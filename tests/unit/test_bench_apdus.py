"""The APDU benchmark's claims hold: within 10 % of the minimum, fewer APDUs than SELECT + 0xDF."""

from __future__ import annotations

from pathlib import Path

from testsupport.bench import load_benchmark


def test_cccd_2021_counts_within_10_percent(tmp_path):
    from cccd_chip.emulator.personalize import personalize

    bench = load_benchmark("bench_apdus")
    rows = {r.strategy: r for r in bench.measure(Path(personalize("cccd-2021", 1, tmp_path / "card")))}
    short, ext, legacy = rows["cccd short"], rows["cccd extended"], rows["SELECT + 0xDF"]
    assert short.ratio <= 1.10 and ext.ratio <= 1.10
    assert ext.apdus < short.apdus < legacy.apdus
    assert short.protocol == 0 and ext.protocol == 0 and legacy.protocol >= 8  # no SELECT of an EF
    assert ext.reads <= len(["probe", "CardAccess", "COM", "DG14", "DG1", "DG2", "DG3", "DG13", "DG15", "SOD"])
    assert ext.bytes_sent + ext.bytes_received < short.bytes_sent + short.bytes_received
