"""Shared shape of the EAC-protected CBEFF data groups DG3 (fingerprints) and DG4 (irises).

ICAO 9303-10 §4.7.3-4.7.4: a ``7F61`` biometric information group template
of ``7F60`` templates, each a biometric header template (``A1``) and a data
block (``5F2E``, or ``7F2E`` enciphered). DG3 data blocks are ISO/IEC
19794-4:2005 finger image records (:mod:`.finger`), DG4 data blocks ISO/IEC
19794-6:2005 iris image records (:mod:`.iris`).

Reading needs Terminal Authentication (BSI TR-03110); without it the chip
answers 6982 and the file is "present, not readable". When the bytes are
there the framing is parsed strictly (ParseError); a data block that does
not decode is reported in its :class:`BiometricBlock` (``error``), the raw
bytes are kept, as for DG2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Union

from ..errors import ParseError, UnsupportedError
from . import biometric_image, cbeff, finger, iris
from .cbeff import BiometricGroup, BiometricInfo

NOT_READABLE = "present, not readable without Terminal Authentication (EAC)"

Record = Union[finger.FingerRecord, iris.IrisRecord]

# finger compression code (19794-4 Table 3) -> declared image format for biometric_image.to_png
_FINGER_FORMATS = {finger.COMPRESSION_UNCOMPRESSED: biometric_image.RAW, finger.COMPRESSION_WSQ: "WSQ",
                   finger.COMPRESSION_JPEG: "JPEG", finger.COMPRESSION_JPEG2000: "JPEG2000",
                   finger.COMPRESSION_PNG: "PNG"}
# iris image format (19794-6 §6.5.1.12) -> declared image format
_IRIS_FORMATS = {iris.FORMAT_MONO_RAW: biometric_image.RAW, 0x0006: "JPEG", 0x0008: "JPEG",
                 0x000E: "JPEG2000", 0x0010: "JPEG2000"}


@dataclass(frozen=True)
class BiometricBlock:
    """One BIT of DG3/DG4 with its decoded 19794-4/-6 record (if decodable)."""

    info: BiometricInfo
    encoding: str  # "ISO/IEC 19794-4" | "ISO/IEC 19794-6" | "ISO/IEC 39794" | "enciphered" | "unknown"
    record: Optional[Record]
    error: Optional[str]  # why the block was not decoded
    supported: bool


@dataclass(frozen=True)
class BiometricImage:
    """One exportable image: its file stem, declared format and bytes as stored."""

    name: str  # e.g. "right-index", "left-eye"
    format: str  # WSQ | JPEG | JPEG2000 | PNG | raw | unsupported:<why>
    width: int
    height: int
    depth: int
    data: bytes
    offset: int  # offset of the data block in the file
    file: str

    def png(self) -> bytes:
        """PNG bytes (decodes WSQ in a child process; see :mod:`.wsq`)."""
        if self.format.startswith("unsupported:"):
            raise UnsupportedError(self.format.split(":", 1)[1], file=self.file, offset=self.offset)
        return biometric_image.to_png(self.data, self.format, width=self.width, height=self.height,
                                      depth=self.depth, file=self.file, base=self.offset)


@dataclass(frozen=True)
class BiometricDG:
    dg: int
    group: BiometricGroup
    raw: bytes
    blocks: tuple[BiometricBlock, ...] = ()

    @property
    def count(self) -> int:
        return len(self.group.infos())

    @property
    def count_mismatch(self) -> bool:
        return self.group.count is not None and self.group.count != len(self.group.items)

    @property
    def records(self) -> tuple[Record, ...]:
        return tuple(b.record for b in self.blocks if b.record is not None)

    def images(self) -> tuple[BiometricImage, ...]:
        """Every finger view (DG3) or iris image (DG4), named after its position / eye, names unique."""
        out: list[BiometricImage] = []
        file = f"DG{self.dg}"
        for block in self.blocks:
            rec = block.record
            if isinstance(rec, finger.FingerRecord):
                fmt = _FINGER_FORMATS.get(rec.compression, f"unsupported:finger compression {rec.compression_name}"
                                          " is not exported")
                for v in rec.views:
                    out.append(BiometricImage(v.position_name, fmt, v.width, v.height, rec.pixel_depth, v.image,
                                              block.info.offset, file))
            elif isinstance(rec, iris.IrisRecord):
                fmt = _IRIS_FORMATS.get(rec.image_format,
                                        f"unsupported:iris image format {rec.image_format_name} is not exported")
                for im in rec.images:
                    out.append(BiometricImage(im.eye_name, fmt, rec.width, rec.height, rec.intensity_depth,
                                              im.image, block.info.offset, file))
        return _unique_names(out)


def _unique_names(images: list[BiometricImage]) -> tuple[BiometricImage, ...]:
    seen: dict[str, int] = {}
    out = []
    for im in images:
        n = seen.get(im.name, 0) + 1
        seen[im.name] = n
        out.append(im if n == 1 else BiometricImage(f"{im.name}-{n}", im.format, im.width, im.height, im.depth,
                                                    im.data, im.offset, im.file))
    return tuple(out)


def _decode_block(info: BiometricInfo, magic: bytes, standard: str,
                  parser: Callable[..., Record], file: str) -> BiometricBlock:
    data = info.data
    if info.data_tag == cbeff.BDB_ENCIPHERED_TAG:
        return BiometricBlock(info, "enciphered", None, "enciphered biometric data block (7F2E) is not decoded",
                              False)
    if data[:4] != magic:
        if data and (data[0] in (0x30, 0xA1) or 0x60 <= data[0] <= 0x7F):
            return BiometricBlock(info, "ISO/IEC 39794", None, "ISO/IEC 39794 data is detected but not decoded",
                                  False)
        return BiometricBlock(info, "unknown", None, f"data block is not an {standard} record", True)
    try:
        return BiometricBlock(info, standard, parser(data, file=file, base=info.offset), None, True)
    except UnsupportedError as exc:
        return BiometricBlock(info, standard, None, exc.message, False)
    except ParseError as exc:
        return BiometricBlock(info, standard, None, f"{exc.message} (offset {exc.offset})", True)


def parse(raw: bytes, dg: int, tag: int, file: str) -> BiometricDG:
    raw = bytes(raw)
    group = cbeff.parse_file(raw, tag, file=file)
    if dg == 3:
        blocks = tuple(_decode_block(i, finger.FORMAT_ID, "ISO/IEC 19794-4", finger.parse_record, file)
                       for i in group.infos())
    else:
        blocks = tuple(_decode_block(i, iris.FORMAT_ID, "ISO/IEC 19794-6", iris.parse_record, file)
                       for i in group.infos())
    return BiometricDG(dg, group, raw, blocks)


def build(value: BiometricDG, tag: int) -> bytes:
    return cbeff.encode_file(tag, value.group)


__all__ = ["BiometricDG", "BiometricBlock", "BiometricImage", "NOT_READABLE", "parse", "build"]
