"""DG2, the encoded face (ICAO 9303-10 §4.7.2): CBEFF group of ISO/IEC 19794-5 records.

A structural error inside a biometric data block does not fail the parse:
it is reported in ``FaceBlock.error`` (it fails the DG's format check, not its
hash, robustness-catalogue family 19). Framing errors raise ParseError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..errors import ParseError, UnsupportedError
from . import cbeff, face
from .cbeff import BiometricGroup, BiometricHeader, BiometricInfo
from .face import FaceImage, FaceRecord

TAG = 0x75
FILE = "DG2"


@dataclass(frozen=True)
class FaceBlock:
    """One BIT of DG2 with its decoded facial record (if decodable)."""

    info: BiometricInfo
    encoding: str  # "ISO/IEC 19794-5" | "ISO/IEC 39794-5" | "unknown"
    record: Optional[FaceRecord]
    error: Optional[str]  # why the block was not decoded
    supported: bool


@dataclass(frozen=True)
class DG2:
    group: BiometricGroup
    blocks: tuple[FaceBlock, ...]
    raw: bytes

    @property
    def faces(self) -> tuple[FaceImage, ...]:
        return tuple(im for b in self.blocks if b.record for im in b.record.images)

    @property
    def count_mismatch(self) -> bool:
        return self.group.count is not None and self.group.count != len(self.group.items)


def _block(info: BiometricInfo, file: Optional[str]) -> FaceBlock:
    enc = face.detect_encoding(info.data)
    try:
        return FaceBlock(info, enc, face.parse_record(info.data, file=file, base=info.offset), None, True)
    except UnsupportedError as exc:
        return FaceBlock(info, enc, None, exc.message, False)
    except ParseError as exc:
        return FaceBlock(info, enc, None, f"{exc.message} (offset {exc.offset})", True)


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DG2:
    raw = bytes(raw)
    group = cbeff.parse_file(raw, TAG, file=file)
    return DG2(group, tuple(_block(i, file) for i in group.infos()), raw)


def build(value: DG2) -> bytes:
    """DG2 bytes from the CBEFF group (data blocks are kept verbatim)."""
    return cbeff.encode_file(TAG, value.group)


def make(images: Sequence[FaceImage], *, one_block_per_image: bool = True) -> DG2:
    """DG2 for the virtual chip: one BIT per face (or all faces in one record)."""
    if one_block_per_image:
        infos = tuple(BiometricInfo(cbeff.face_header(), face.build_record([im])) for im in images)
    else:
        infos = (BiometricInfo(cbeff.face_header(), face.build_record(list(images))),)
    group = BiometricGroup(len(infos), infos)
    raw = cbeff.encode_file(TAG, group)
    return parse(raw)


def export_face(dg2: DG2, path_or_format: face.PathOrFormat, index: int = 0) -> bytes:
    """Export face ``index``: JPEG as is, JPEG2000 converted to PNG (Pillow)."""
    faces = dg2.faces
    if not faces:
        unsupported = [b for b in dg2.blocks if not b.supported]
        if unsupported:
            raise UnsupportedError(unsupported[0].error or "face encoding not supported", file=FILE)
        raise ParseError("DG2 holds no decodable face image", file=FILE)
    if not 0 <= index < len(faces):
        raise IndexError("no face with that index")
    return face.export_image(faces[index].image, path_or_format)


__all__ = ["DG2", "FaceBlock", "FaceImage", "BiometricHeader", "parse", "build", "make", "export_face", "TAG"]
