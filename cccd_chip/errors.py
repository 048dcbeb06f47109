"""One exception tree for the whole toolkit.

Every error carries machine-readable context (step, status word, file, byte
offset, APDU index) and a one-line message. No error text ever contains a
secret: no MRZ, CAN, key, plaintext APDU or personal data. An error carries a
``reason`` code (machine-readable, stable); it knows nothing about processes: the
``cccd`` command maps errors to exit codes (host_cli/exit_codes.py).
"""

from __future__ import annotations

from typing import Any, Optional


class CccdError(Exception):
    """Base of every error raised by cccd-chip."""

    reason: str = "INTERNAL"

    def __init__(
        self,
        message: str,
        *,
        reason: Optional[str] = None,
        step: Optional[str] = None,
        sw: Optional[int] = None,
        file: Optional[str] = None,
        offset: Optional[int] = None,
        index: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.step = step
        self.sw = sw
        self.file = file
        self.offset = offset
        self.index = index

    def context(self) -> dict[str, Any]:
        """Machine-readable context (JSON friendly, never secret)."""
        ctx: dict[str, Any] = {"error": type(self).__name__, "reason": self.reason}
        if self.step is not None:
            ctx["step"] = self.step
        if self.sw is not None:
            ctx["sw"] = f"{self.sw:04X}"
        if self.file is not None:
            ctx["file"] = self.file
        if self.offset is not None:
            ctx["offset"] = self.offset
        if self.index is not None:
            ctx["index"] = self.index
        return ctx

    def __str__(self) -> str:
        parts = [self.message]
        if self.step is not None:
            parts.append(f"step {self.step}")
        if self.sw is not None:
            parts.append(f"SW {self.sw:04X}")
        if self.file is not None:
            parts.append(f"file {self.file}")
        if self.offset is not None:
            parts.append(f"offset {self.offset}")
        if self.index is not None:
            parts.append(f"APDU #{self.index}")
        if len(parts) == 1:
            return self.message
        return f"{self.message} ({', '.join(parts[1:])})"


class UsageError(CccdError):
    """Wrong use of the API or the command line."""

    reason = "USAGE"


# --- reader, card, link -------------------------------------------


class TransportError(CccdError):
    """The link to the card failed: no service, no reader, no card, removal."""

    reason = "TRANSPORT"


class NoReaderError(TransportError):
    reason = "TRANSPORT_NO_READER"


class NoCardError(TransportError):
    reason = "TRANSPORT_NO_CARD"


class CardRemovedError(TransportError):
    reason = "TRANSPORT_CARD_REMOVED"


class CardResetError(TransportError):
    reason = "TRANSPORT_CARD_RESET"


class ReaderUnavailableError(TransportError):
    """PC/SC service missing, reader unplugged, sharing violation."""

    reason = "TRANSPORT_READER_UNAVAILABLE"


class TraceMismatchError(TransportError):
    """Strict replay: the host sent something else than the trace recorded."""

    reason = "TRACE_MISMATCH"


class TraceExhaustedError(TraceMismatchError):
    reason = "TRACE_EXHAUSTED"




# --- card and protocol ---------------------------------------------


class CardError(CccdError):
    """The card answered a command with an error status word."""

    reason = "CARD_STATUS"


class FileNotFoundOnCardError(CardError):
    reason = "FILE_NOT_FOUND"


class SecurityStatusNotSatisfiedError(CardError):
    reason = "SECURITY_STATUS_NOT_SATISFIED"


class ProtocolError(CccdError):
    """A chip protocol (BAC, PACE, CA, AA) broke its rules."""

    reason = "PROTOCOL"


class AccessDeniedError(ProtocolError):
    """Wrong CAN / MRZ: the chip refused the access-control protocol."""

    reason = "ACCESS_DENIED"


class InvalidPublicKeyError(ProtocolError):
    """A public key or group element received from the chip is invalid."""

    reason = "INVALID_PUBLIC_KEY"


class SecureMessagingError(ProtocolError):
    """A protected response failed its checks; the session is dead."""

    reason = "SM_INTEGRITY"


class UnsupportedError(CccdError):
    """A feature, algorithm or parameter this toolkit does not implement."""

    reason = "NOT_SUPPORTED"


# --- data -----------------------------------------------------------


class ParseError(CccdError):
    """Malformed data from the card or from a file."""

    reason = "MALFORMED"


class MalformedResponseError(ParseError):
    """An R-APDU that cannot be an R-APDU (fewer than 2 bytes, ...): malformed data from the card."""

    reason = "RAPDU_MALFORMED"


class TraceFormatError(ParseError):
    """A trace file that is not a valid cccd-apdu-trace."""

    reason = "TRACE_FORMAT"


class DumpFormatError(ParseError):
    reason = "DUMP_FORMAT"


class DumpSealError(ParseError):
    """A sealed dump (the service's stored dumps) does not open with the configured key: wrong key or altered data."""

    reason = "DUMP_SEAL"


class TrustStoreError(CccdError):
    """A trust anchor source that cannot be used (bad file, bad signature)."""

    reason = "TRUST_STORE"


# --- the service's database (a link problem) ------------------------------


class DatabaseError(CccdError):
    """The database cannot be reached or used (server down, refused, schema problem)."""

    reason = "DATABASE"


# --- outputs -----------------------------------------------------------


class OutputError(CccdError):
    """An output could not be written whole: full disk, read-only target, odd target, closed pipe.

    Raised by :mod:`cccd_chip.output` after every failed or short write (and fsync); what was
    being written is removed again (no hidden partial copy). The message names the target and
    the operating system's reason, never the data.
    """

    reason = "OUTPUT"


# --- verification ---------------------------------------------------


class VerificationError(CccdError):
    """A cryptographic verification failed (signature, hash, MAC of a proof)."""

    reason = "VERIFICATION_FAILED"


class AbortedError(TransportError):
    """The read was interrupted; nothing of it counts as a result."""

    reason = "ABORTED"
