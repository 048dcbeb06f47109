"""Status words and their meanings (ISO/IEC 7816-4 §5.6, ICAO 9303-11 §9.8.6)."""

from __future__ import annotations

from ..errors import CardError, FileNotFoundOnCardError, SecurityStatusNotSatisfiedError

SW_OK = 0x9000
SW_WARNING_EOF = 0x6282
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_STATUS = 0x6982
SW_AUTH_BLOCKED = 0x6983
SW_CONDITIONS = 0x6985
SW_SM_MISSING = 0x6987
SW_SM_INCORRECT = 0x6988
SW_WRONG_DATA = 0x6A80
SW_FUNC_NOT_SUPPORTED = 0x6A81
SW_FILE_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_REF_NOT_FOUND = 0x6A88
SW_WRONG_OFFSET = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_UNKNOWN = 0x6F00
SW_AUTH_FAILED = 0x6300

_EXACT = {
    0x9000: "success",
    0x6281: "part of returned data may be corrupted",
    0x6282: "end of file reached before reading Le bytes",
    0x6300: "authentication failed",
    0x6581: "memory failure",
    0x6700: "wrong length",
    0x6881: "logical channel not supported",
    0x6882: "secure messaging not supported",
    0x6982: "security status not satisfied",
    0x6983: "authentication method blocked",
    0x6984: "reference data not usable",
    0x6985: "conditions of use not satisfied",
    0x6986: "command not allowed (no current EF)",
    0x6987: "expected secure messaging data objects missing",
    0x6988: "incorrect secure messaging data objects",
    0x6A80: "incorrect parameters in the data field",
    0x6A81: "function not supported",
    0x6A82: "file or application not found",
    0x6A86: "incorrect parameters P1-P2",
    0x6A88: "referenced data not found",
    0x6B00: "wrong parameters (offset outside the EF)",
    0x6D00: "instruction not supported",
    0x6E00: "class not supported",
    0x6F00: "no precise diagnosis",
}


def describe(sw: int) -> str:
    """Human meaning of a status word."""
    if sw in _EXACT:
        return _EXACT[sw]
    hi, lo = sw >> 8, sw & 0xFF
    if hi == 0x61:
        return f"{lo or 256} more bytes available (GET RESPONSE)"
    if hi == 0x6C:
        return f"wrong Le; {lo or 256} bytes available"
    if hi == 0x63 and lo & 0xF0 == 0xC0:
        return f"verification failed, {lo & 0x0F} tries left"
    if hi in (0x62, 0x63):
        return "warning"
    if hi == 0x64:
        return "execution error, memory unchanged"
    if hi == 0x65:
        return "execution error, memory changed"
    return "unknown status"


def is_success(sw: int) -> bool:
    return sw == SW_OK


def error_for(sw: int, what: str, *, file: str | None = None, step: str | None = None) -> CardError:
    """The project's error for a failing status word."""
    msg = f"{what} failed: {describe(sw)}"
    if sw == SW_FILE_NOT_FOUND:
        return FileNotFoundOnCardError(msg, sw=sw, file=file, step=step)
    if sw == SW_SECURITY_STATUS:
        return SecurityStatusNotSatisfiedError(msg, sw=sw, file=file, step=step)
    return CardError(msg, sw=sw, file=file, step=step)
