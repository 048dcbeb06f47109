"""ISO/IEC 19794-6:2005 iris image records, rectilinear format (DG4 data blocks, ICAO 9303-10 §4.7.4).

Record layout (19794-6:2005 §6.5, big-endian):

- iris record header, 45 bytes: format identifier ``IIR\\0``, version
  ``010\\0``, record length (4), capture device ID (2), number of biometric
  subtypes (eyes, 1), record header length (2, = 45), image property bit
  field (2: bits 0-1 horizontal orientation, 2-3 vertical orientation, 4-6
  scan type, 7 iris occlusions, 8 occlusion filling, 9 boundary
  extraction), iris diameter in pixels (2), image format (2), raw image
  width and height (2+2), intensity depth in bits (1), image transformation
  (1), device unique identifier (16);
- per eye, a biometric subtype header of 3 bytes: eye (0 undefined, 1
  right, 2 left) and number of images (2);
- per image, an image header of 11 bytes: image sequence number (2),
  quality (1), rotation angle (2), rotation angle uncertainty (2), image
  length (4); then the image bytes in the record's image format.

Headers are ``construct`` structs; every count and length is bounded by
the bytes present. Image bytes are kept raw.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Sequence

import construct as c

from ..errors import ParseError, UnsupportedError

FORMAT_ID = b"IIR\x00"
VERSION_2005 = b"010\x00"
#: CBEFF format type of a 19794-6 rectilinear iris image record (format owner 0x0101)
CBEFF_FORMAT_TYPE = 0x0009
#: the polar variant (detected, not decoded)
CBEFF_FORMAT_TYPE_POLAR = 0x000B
MAX_IMAGES = 1024  # bound on images per record

RecordHeader = c.Struct(
    "format_identifier" / c.Const(FORMAT_ID),
    "version" / c.Bytes(4),
    "record_length" / c.Int32ub,
    "capture_device_id" / c.Int16ub,
    "number_of_subtypes" / c.Int8ub,
    "record_header_length" / c.Int16ub,
    "image_properties" / c.Int16ub,
    "iris_diameter" / c.Int16ub,
    "image_format" / c.Int16ub,
    "width" / c.Int16ub,
    "height" / c.Int16ub,
    "intensity_depth" / c.Int8ub,
    "image_transformation" / c.Int8ub,
    "device_unique_id" / c.Bytes(16),
)
SubtypeHeader = c.Struct(
    "eye" / c.Int8ub,
    "number_of_images" / c.Int16ub,
)
ImageHeader = c.Struct(
    "image_number" / c.Int16ub,
    "quality" / c.Int8ub,
    "rotation_angle" / c.Int16ub,
    "rotation_uncertainty" / c.Int16ub,
    "image_length" / c.Int32ub,
)
HEADER_LEN = RecordHeader.sizeof()  # 45
SUBTYPE_HEADER_LEN = SubtypeHeader.sizeof()  # 3
IMAGE_HEADER_LEN = ImageHeader.sizeof()  # 11

EYES = {0: "undefined-eye", 1: "right-eye", 2: "left-eye"}
# 19794-6:2005 §6.5.1.12: image formats
IMAGE_FORMATS = {
    0x0002: "mono raw", 0x0004: "RGB raw", 0x0006: "mono JPEG", 0x0008: "RGB JPEG",
    0x000A: "mono JPEG-LS", 0x000C: "RGB JPEG-LS", 0x000E: "mono JPEG2000", 0x0010: "RGB JPEG2000",
}
FORMAT_MONO_RAW = 0x0002
FORMAT_MONO_JPEG = 0x0006
FORMAT_MONO_JPEG2000 = 0x000E
ROTATION_UNDEFINED = 0xFFFF
QUALITY_NOT_COMPUTED = 254
QUALITY_NOT_AVAILABLE = 255
# image property bit field: (name, mask, shift)
PROPERTY_BITS = (
    ("horizontal_orientation", 0x0003, 0), ("vertical_orientation", 0x000C, 2), ("scan_type", 0x0070, 4),
    ("iris_occlusions", 0x0080, 7), ("occlusion_filling", 0x0100, 8), ("boundary_extraction", 0x0200, 9),
)


def eye_name(code: int) -> str:
    """File-name slug of an eye label (``right-eye``); unknown codes as ``eye-N``."""
    return EYES.get(code, f"eye-{code}")


@dataclass(frozen=True)
class IrisImage:
    """One iris image (19794-6:2005 §6.5.3) with the eye of its biometric subtype header."""

    eye: int
    image_number: int = 1
    quality: int = QUALITY_NOT_AVAILABLE
    rotation_angle: int = ROTATION_UNDEFINED
    rotation_uncertainty: int = ROTATION_UNDEFINED
    image: bytes = b""

    @property
    def eye_name(self) -> str:
        return eye_name(self.eye)


@dataclass(frozen=True)
class IrisRecord:
    """A 19794-6:2005 rectilinear iris image record."""

    images: tuple[IrisImage, ...]
    image_format: int = FORMAT_MONO_JPEG
    width: int = 640
    height: int = 480
    intensity_depth: int = 8
    capture_device_id: int = 0
    image_properties: int = 0
    iris_diameter: int = 0
    image_transformation: int = 0
    device_unique_id: bytes = b"\x00" * 16
    version: bytes = VERSION_2005
    raw: bytes = b""
    defects: tuple[str, ...] = ()

    @property
    def image_format_name(self) -> str:
        return IMAGE_FORMATS.get(self.image_format, f"unknown ({self.image_format:#06x})")

    def properties(self) -> dict[str, int]:
        """The image property bit field, decoded."""
        return {name: (self.image_properties & mask) >> shift for name, mask, shift in PROPERTY_BITS}


def parse_record(bdb: bytes, *, file: Optional[str] = "DG4", base: int = 0) -> IrisRecord:
    """Decode an ISO/IEC 19794-6:2005 rectilinear iris record; bounded by ``len(bdb)``."""
    bdb = bytes(bdb)
    if bdb[:4] != FORMAT_ID:
        raise UnsupportedError("not an ISO/IEC 19794-6 iris image record (no 'IIR' identifier)",
                               file=file, offset=base)
    if len(bdb) < HEADER_LEN:
        raise ParseError("iris image record shorter than its header", file=file, offset=base)
    hdr = RecordHeader.parse(bdb[:HEADER_LEN])
    if hdr.version != VERSION_2005:
        raise UnsupportedError("ISO/IEC 19794-6 record version other than 010 (2005)", file=file, offset=base + 4)
    if hdr.record_header_length != HEADER_LEN:
        raise ParseError(f"iris record header length {hdr.record_header_length}, expected {HEADER_LEN}",
                         file=file, offset=base + 15)
    defects: list[str] = []
    if hdr.record_length != len(bdb):
        defects.append("record length differs from the data block")
    pos = HEADER_LEN
    images: list[IrisImage] = []
    for _ in range(hdr.number_of_subtypes):
        if len(bdb) - pos < SUBTYPE_HEADER_LEN:
            raise ParseError("iris record truncated (biometric subtype header)", file=file, offset=base + pos)
        sh = SubtypeHeader.parse(bdb[pos:pos + SUBTYPE_HEADER_LEN])
        pos += SUBTYPE_HEADER_LEN
        for _ in range(sh.number_of_images):
            if len(images) >= MAX_IMAGES:
                raise ParseError("too many iris images in one record", file=file, offset=base + pos)
            if len(bdb) - pos < IMAGE_HEADER_LEN:
                raise ParseError("iris record truncated (image header)", file=file, offset=base + pos)
            ih = ImageHeader.parse(bdb[pos:pos + IMAGE_HEADER_LEN])
            start = pos + IMAGE_HEADER_LEN
            if ih.image_length > len(bdb) - start:
                raise ParseError("iris image length out of bounds", file=file, offset=base + pos + 7)
            images.append(IrisImage(sh.eye, ih.image_number, ih.quality, ih.rotation_angle,
                                    ih.rotation_uncertainty, bdb[start:start + ih.image_length]))
            pos = start + ih.image_length
    if pos != len(bdb):
        defects.append(f"{len(bdb) - pos} bytes left after the iris images")
    return IrisRecord(
        images=tuple(images), image_format=hdr.image_format, width=hdr.width, height=hdr.height,
        intensity_depth=hdr.intensity_depth, capture_device_id=hdr.capture_device_id,
        image_properties=hdr.image_properties, iris_diameter=hdr.iris_diameter,
        image_transformation=hdr.image_transformation, device_unique_id=bytes(hdr.device_unique_id),
        version=bytes(hdr.version), raw=bdb, defects=tuple(defects))


def build_record(record: IrisRecord) -> bytes:
    """The bytes of a 19794-6:2005 iris record; images grouped per eye in first-seen order."""
    if len(record.device_unique_id) != 16:
        raise ValueError("the device unique identifier has 16 bytes")
    eyes: dict[int, list[IrisImage]] = {}
    for im in record.images:
        eyes.setdefault(im.eye, []).append(im)
    body = b""
    for eye, ims in eyes.items():
        body += SubtypeHeader.build(dict(eye=eye, number_of_images=len(ims)))
        for im in ims:
            body += ImageHeader.build(dict(
                image_number=im.image_number, quality=im.quality, rotation_angle=im.rotation_angle,
                rotation_uncertainty=im.rotation_uncertainty, image_length=len(im.image))) + im.image
    header = RecordHeader.build(dict(
        version=record.version, record_length=HEADER_LEN + len(body), capture_device_id=record.capture_device_id,
        number_of_subtypes=len(eyes), record_header_length=HEADER_LEN, image_properties=record.image_properties,
        iris_diameter=record.iris_diameter, image_format=record.image_format, width=record.width,
        height=record.height, intensity_depth=record.intensity_depth,
        image_transformation=record.image_transformation, device_unique_id=record.device_unique_id))
    return bytes(header) + body


def make_record(images: Sequence[IrisImage], template: Optional[IrisRecord] = None) -> IrisRecord:
    """A parsed record of ``images`` with the record header of ``template`` (for the virtual chip and tests)."""
    return parse_record(build_record(replace(template or IrisRecord(()), images=tuple(images))))


__all__ = ["IrisImage", "IrisRecord", "parse_record", "build_record", "make_record", "eye_name",
           "IMAGE_FORMATS", "EYES", "CBEFF_FORMAT_TYPE", "FORMAT_ID"]
