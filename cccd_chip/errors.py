"""One exception tree for the whole toolkit.

Every error carries machine-readable context (step, status word, file, byte
offset, APDU index) and a one-line message. No error text ever contains a
secret: no MRZ, CAN, key, plaintext APDU or personal data. Callers that need
the exit code of the `cccd` command read ``exit_code``.
"""

from __future__ import annotations

from typing import Optional


class CccdError(Exception):
    """Base of every error raised by cccd-chip."""

    exit_code: int = 70
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

    def context(self) -> dict:
        """Machine-readable context (JSON friendly, never secret)."""
        ctx: dict = {"error": type(self).__name__, "reason": self.reason}
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

    exit_code = 2
    reason = "USAGE"


# --- reader, card, link (exit 4) -------------------------------------------


class TransportError(CccdError):
    """The link to the card failed: no service, no reader, no card, removal."""

    exit_code = 4
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


class TraceMismatch(TransportError):
    """Strict replay: the host sent something else than the trace recorded."""

    reason = "TRACE_MISMATCH"


class TraceExhausted(TraceMismatch):
    reason = "TRACE_EXHAUSTED"


class MalformedResponseError(TransportError):
    """An R-APDU that cannot be an R-APDU (fewer than 2 bytes, ...)."""

    exit_code = 6
    reason = "RAPDU_MALFORMED"


# --- card and protocol (exit 5) ---------------------------------------------


class CardError(CccdError):
    """The card answered a command with an error status word."""

    exit_code = 5
    reason = "CARD_STATUS"


class FileNotFoundOnCard(CardError):
    reason = "FILE_NOT_FOUND"


class SecurityStatusNotSatisfied(CardError):
    reason = "SECURITY_STATUS_NOT_SATISFIED"


class ProtocolError(CccdError):
    """A chip protocol (BAC, PACE, CA, AA) broke its rules."""

    exit_code = 5
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

    exit_code = 5
    reason = "NOT_SUPPORTED"


# --- data (exit 6) -----------------------------------------------------------


class ParseError(CccdError):
    """Malformed data from the card or from a file."""

    exit_code = 6
    reason = "MALFORMED"


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

    exit_code = 6
    reason = "TRUST_STORE"


# --- the service's database (exit 4, a link problem) ------------------------------


class DatabaseError(CccdError):
    """The database cannot be reached or used (server down, refused, schema problem)."""

    exit_code = 4
    reason = "DATABASE"


# --- outputs (exit 7) -----------------------------------------------------------


class OutputError(CccdError):
    """An output could not be written whole: full disk, read-only target, odd target, closed pipe.

    Raised by :mod:`cccd_chip.output` after every failed or short write (and fsync); what was
    being written is removed again (no hidden partial copy). The message names the target and
    the operating system's reason, never the data.
    """

    exit_code = 7
    reason = "OUTPUT"


# --- verification (exit 1) ---------------------------------------------------


class VerificationError(CccdError):
    """A cryptographic verification failed (signature, hash, MAC of a proof)."""

    exit_code = 1
    reason = "VERIFICATION_FAILED"


class AbortedError(TransportError):
    """The read was interrupted; nothing of it counts as a result."""

    reason = "ABORTED"
