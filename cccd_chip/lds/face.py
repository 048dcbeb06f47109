"""ISO/IEC 19794-5:2005 facial records (ICAO 9303-10 §4.7.2, 9303-9 §5) and face images.

Facial record: header (``FAC\\0``, version ``010\\0``, record length, image
count), then per image: facial information (20 bytes), feature points
(8 bytes each), image information (12 bytes), image data (JPEG, JPEG2000).
Headers are ``construct`` structs; every length is checked against the bytes
present. ISO/IEC 39794-5 (tagged ASN.1) blocks are detected and reported as
unsupported.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Optional, Union

import construct as c

from ..errors import ParseError, UnsupportedError

FORMAT_ID = b"FAC\x00"
VERSION_2005 = b"010\x00"
MAX_IMAGE_PIXELS = 40_000_000

RecordHeader = c.Struct(
    "format_identifier" / c.Const(FORMAT_ID),
    "version" / c.Bytes(4),
    "record_length" / c.Int32ub,
    "number_of_images" / c.Int16ub,
)
FacialInformation = c.Struct(
    "record_data_length" / c.Int32ub,
    "number_of_feature_points" / c.Int16ub,
    "gender" / c.Int8ub,
    "eye_colour" / c.Int8ub,
    "hair_colour" / c.Int8ub,
    "feature_mask" / c.Int24ub,
    "expression" / c.Int16ub,
    "pose_angle" / c.Array(3, c.Int8ub),
    "pose_angle_uncertainty" / c.Array(3, c.Int8ub),
)
FeaturePointStruct = c.Struct(
    "type" / c.Int8ub,
    "code" / c.Int8ub,
    "x" / c.Int16ub,
    "y" / c.Int16ub,
    "reserved" / c.Int16ub,
)
ImageInformation = c.Struct(
    "face_image_type" / c.Int8ub,
    "image_data_type" / c.Int8ub,
    "width" / c.Int16ub,
    "height" / c.Int16ub,
    "colour_space" / c.Int8ub,
    "source_type" / c.Int8ub,
    "device_type" / c.Int16ub,
    "quality" / c.Int16ub,
)
HEADER_LEN = RecordHeader.sizeof()  # 14
INFO_LEN = FacialInformation.sizeof()  # 20
POINT_LEN = FeaturePointStruct.sizeof()  # 8
IMAGE_INFO_LEN = ImageInformation.sizeof()  # 12

GENDERS = {0: "unspecified", 1: "male", 2: "female", 0xFF: "unknown"}
IMAGE_DATA_TYPES = {0: "JPEG", 1: "JPEG2000"}
FACE_IMAGE_TYPES = {0: "basic", 1: "full frontal", 2: "token frontal"}


@dataclass(frozen=True)
class FeaturePoint:
    type: int
    code: int  # major code in the high nibble, minor code in the low nibble
    x: int
    y: int
    reserved: int = 0


@dataclass(frozen=True)
class FaceImage:
    """One facial record data block (19794-5 §5.5-5.7)."""

    gender: int = 0
    eye_colour: int = 0
    hair_colour: int = 0
    feature_mask: int = 0
    expression: int = 0
    pose_angle: tuple[int, int, int] = (0, 0, 0)
    pose_angle_uncertainty: tuple[int, int, int] = (0, 0, 0)
    feature_points: tuple[FeaturePoint, ...] = ()
    face_image_type: int = 1
    image_data_type: int = 0
    width: int = 0
    height: int = 0
    colour_space: int = 1
    source_type: int = 2
    device_type: int = 0
    quality: int = 0
    image: bytes = b""

    @property
    def image_format(self) -> str:
        """Format sniffed from the bytes: JPEG, JP2, J2K or unknown."""
        return sniff_image(self.image)


@dataclass(frozen=True)
class FaceRecord:
    version: bytes
    images: tuple[FaceImage, ...]
    raw: bytes
    defects: tuple[str, ...] = ()  # non-fatal header inconsistencies (record length, trailing bytes)


def sniff_image(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
        return "JP2"
    if data[:4] == b"\xff\x4f\xff\x51":
        return "J2K"
    return "unknown"


def detect_encoding(bdb: bytes) -> str:
    """Which standard a face biometric data block follows."""
    if bdb[:4] == FORMAT_ID:
        return "ISO/IEC 19794-5"
    if bdb and (bdb[0] in (0x30, 0xA1) or 0x60 <= bdb[0] <= 0x7F):
        return "ISO/IEC 39794-5"
    return "unknown"


def parse_record(bdb: bytes, *, file: Optional[str] = "DG2", base: int = 0) -> FaceRecord:
    """Decode an ISO/IEC 19794-5:2005 facial record; bounded by ``len(bdb)``."""
    enc = detect_encoding(bdb)
    if enc == "ISO/IEC 39794-5":
        raise UnsupportedError("ISO/IEC 39794-5 face data is detected but not decoded", file=file, offset=base)
    if enc != "ISO/IEC 19794-5" or len(bdb) < HEADER_LEN:
        raise ParseError("not an ISO/IEC 19794-5 facial record", file=file, offset=base)
    hdr = RecordHeader.parse(bdb[:HEADER_LEN])
    if hdr.version != VERSION_2005:
        raise UnsupportedError("ISO/IEC 19794-5 record version other than 010", file=file, offset=base + 4)
    defects = []
    if hdr.record_length != len(bdb):
        defects.append("record length differs from the data block")
    pos = HEADER_LEN
    images = []
    for _ in range(hdr.number_of_images):
        if len(bdb) - pos < INFO_LEN + IMAGE_INFO_LEN:
            raise ParseError("facial record truncated", file=file, offset=base + pos)
        info = FacialInformation.parse(bdb[pos : pos + INFO_LEN])
        n_points = info.number_of_feature_points
        fixed = INFO_LEN + POINT_LEN * n_points + IMAGE_INFO_LEN
        if info.record_data_length < fixed or info.record_data_length > len(bdb) - pos:
            raise ParseError("facial record data length out of bounds", file=file, offset=base + pos)
        end = pos + info.record_data_length
        p = pos + INFO_LEN
        points = []
        for _ in range(n_points):
            fp = FeaturePointStruct.parse(bdb[p : p + POINT_LEN])
            points.append(FeaturePoint(fp.type, fp.code, fp.x, fp.y, fp.reserved))
            p += POINT_LEN
        ii = ImageInformation.parse(bdb[p : p + IMAGE_INFO_LEN])
        p += IMAGE_INFO_LEN
        images.append(
            FaceImage(
                gender=info.gender,
                eye_colour=info.eye_colour,
                hair_colour=info.hair_colour,
                feature_mask=info.feature_mask,
                expression=info.expression,
                pose_angle=tuple(info.pose_angle),
                pose_angle_uncertainty=tuple(info.pose_angle_uncertainty),
                feature_points=tuple(points),
                face_image_type=ii.face_image_type,
                image_data_type=ii.image_data_type,
                width=ii.width,
                height=ii.height,
                colour_space=ii.colour_space,
                source_type=ii.source_type,
                device_type=ii.device_type,
                quality=ii.quality,
                image=bytes(bdb[p:end]),
            )
        )
        pos = end
    if pos != len(bdb):
        defects.append(f"{len(bdb) - pos} bytes left after the facial images")
    return FaceRecord(bytes(hdr.version), tuple(images), bytes(bdb), tuple(defects))


def build_record(images: tuple[FaceImage, ...] | list[FaceImage], version: bytes = VERSION_2005) -> bytes:
    """ISO/IEC 19794-5:2005 facial record from face images (for the virtual chip)."""
    blocks = []
    for im in images:
        points = b"".join(
            FeaturePointStruct.build(dict(type=p.type, code=p.code, x=p.x, y=p.y, reserved=p.reserved))
            for p in im.feature_points
        )
        length = INFO_LEN + len(points) + IMAGE_INFO_LEN + len(im.image)
        info = FacialInformation.build(
            dict(
                record_data_length=length,
                number_of_feature_points=len(im.feature_points),
                gender=im.gender,
                eye_colour=im.eye_colour,
                hair_colour=im.hair_colour,
                feature_mask=im.feature_mask,
                expression=im.expression,
                pose_angle=list(im.pose_angle),
                pose_angle_uncertainty=list(im.pose_angle_uncertainty),
            )
        )
        ii = ImageInformation.build(
            dict(
                face_image_type=im.face_image_type,
                image_data_type=im.image_data_type,
                width=im.width,
                height=im.height,
                colour_space=im.colour_space,
                source_type=im.source_type,
                device_type=im.device_type,
                quality=im.quality,
            )
        )
        blocks.append(info + points + ii + im.image)
    body = b"".join(blocks)
    header = RecordHeader.build(
        dict(version=version, record_length=HEADER_LEN + len(body), number_of_images=len(images))
    )
    out: bytes = header + body
    return out


#: Where :func:`export_image` puts a face: a file path (written), or a format name.
PathOrFormat = Union[str, "os.PathLike[str]"]


def export_image(image: bytes, path_or_format: PathOrFormat) -> bytes:
    """JPEG as is; JPEG2000 (JP2 or J2K) converted to PNG with Pillow.

    ``path_or_format``: a path (str/PathLike; written) or a format name
    ("jpeg", "png", "auto"). Returns the bytes written or produced.
    """
    fmt = sniff_image(image)
    target = None
    want = None
    if isinstance(path_or_format, str) and path_or_format.lower() in ("jpeg", "jpg", "png", "auto"):
        want = path_or_format.lower()
    else:
        target = path_or_format
        suffix = str(path_or_format).rsplit(".", 1)[-1].lower() if "." in str(path_or_format) else "auto"
        want = suffix if suffix in ("jpeg", "jpg", "png") else "auto"
    if fmt == "unknown":
        raise UnsupportedError("face image format is not JPEG or JPEG2000")
    if fmt == "JPEG" and want in ("jpeg", "jpg", "auto"):
        out = image
    else:
        out = _convert(image, "PNG" if want in ("png", "auto") else "JPEG")
    if target is not None:
        with open(target, "wb") as fh:
            fh.write(out)
    return out


def _convert(image: bytes, fmt: str) -> bytes:
    try:
        from PIL import Image
    except ImportError as exc:
        raise UnsupportedError("converting the face image needs Pillow "
                               "(pip install 'cccd-chip[cli]')") from exc

    try:
        with Image.open(io.BytesIO(image)) as im:
            if im.width * im.height > MAX_IMAGE_PIXELS:
                raise UnsupportedError("face image too large to convert")
            im.load()
            out: Image.Image = im
            if fmt == "JPEG" and im.mode not in ("RGB", "L"):
                out = im.convert("RGB")
            buf = io.BytesIO()
            out.save(buf, fmt)
            return buf.getvalue()
    except (UnsupportedError, ParseError):
        raise
    except Exception as exc:  # noqa: BLE001 - decoder errors on untrusted images
        raise ParseError(f"face image cannot be decoded ({type(exc).__name__})") from exc
