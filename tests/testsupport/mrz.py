"""DG1 bytes around MRZ lines, for the MRZ tests (ICAO 9303-10 §4.7.1: tag 61 { 5F1F MRZ })."""

from __future__ import annotations


def dg1_bytes(lines: list[str]) -> bytes:
    """EF.DG1 holding the concatenated MRZ ``lines`` (definite lengths, short or one-byte long form)."""
    text = "".join(lines).encode()
    inner = b"\x5f\x1f" + bytes([len(text)]) if len(text) < 128 else b"\x5f\x1f\x81" + bytes([len(text)])
    inner += text
    return b"\x61" + (bytes([len(inner)]) if len(inner) < 128 else b"\x81" + bytes([len(inner)])) + inner
