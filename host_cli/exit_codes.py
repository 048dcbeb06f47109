"""Exit codes of the ``cccd`` command: the one table (README.md, docs/cli.md).

Only the command line knows exit codes. The library raises errors that carry a
reason (``cccd_chip.errors``) and returns reports with a verdict; this module maps
both to the process's exit status.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from cccd_chip import errors


class ExitCode(enum.IntEnum):
    """Process exit status of ``cccd`` (documented in README.md and docs/cli.md)."""

    OK = 0  # done, every check successful
    FAILED = 1  # a document failed verification (evidence of tampering or forgery)
    USAGE = 2  # wrong use of the command line
    UNDETERMINED = 3  # verification could not be completed
    TRANSPORT = 4  # reader, card or link problem (incl. aborted reads)
    ACCESS = 5  # access denied, chip protocol error, unsupported feature
    MALFORMED = 6  # malformed data (card, dump, trace, trust material)
    OUTPUT = 7  # an output could not be written
    INTERNAL = 70  # a bug


# error class -> exit code; the most derived class listed wins (a class's MRO is walked)
_ERROR_EXIT: dict[type, ExitCode] = {
    errors.CccdError: ExitCode.INTERNAL,
    errors.UsageError: ExitCode.USAGE,
    errors.TransportError: ExitCode.TRANSPORT,
    errors.DatabaseError: ExitCode.TRANSPORT,
    errors.CardError: ExitCode.ACCESS,
    errors.ProtocolError: ExitCode.ACCESS,
    errors.UnsupportedError: ExitCode.ACCESS,
    errors.ParseError: ExitCode.MALFORMED,
    errors.TrustStoreError: ExitCode.MALFORMED,
    errors.OutputError: ExitCode.OUTPUT,
    errors.VerificationError: ExitCode.FAILED,
}

# overall verdict of a report -> exit code; a verdict not listed is an internal error, never 0
_VERDICT_EXIT: dict[str, ExitCode] = {
    "successful": ExitCode.OK,
    "failed": ExitCode.FAILED,
    "undetermined": ExitCode.UNDETERMINED,
    "aborted": ExitCode.TRANSPORT,
}


def exit_code_for(outcome: object) -> ExitCode:
    """The exit code of an outcome: an error raised, a verification report, or the verdict counts of a batch.

    - a ``CccdError``: by its class (the table above; 70 for a class outside the tree);
    - any other exception: 70 (a bug);
    - a report (anything with ``overall``): by its overall verdict;
    - a mapping of verdict (or ``error``/``internal``) -> count: the worst of a batch, in the order
      70 internal, 1 failed, 6 error, 3 undetermined/aborted, else 0 (docs/archive.md);
    - anything else, None included: 70. Nothing unknown ever maps to 0.
    """
    if isinstance(outcome, BaseException):
        if isinstance(outcome, errors.CccdError):
            for cls in type(outcome).__mro__:
                if cls in _ERROR_EXIT:
                    return _ERROR_EXIT[cls]
        return ExitCode.INTERNAL
    if isinstance(outcome, Mapping):
        return _worst(outcome)
    verdict = getattr(outcome, "overall", None)
    value = getattr(verdict, "value", verdict)
    if isinstance(value, str) and value in _VERDICT_EXIT:
        return _VERDICT_EXIT[value]
    return ExitCode.INTERNAL


def _worst(counts: Mapping[str, int]) -> ExitCode:
    known = {"successful", "failed", "undetermined", "aborted", "error", "internal"}
    if counts.get("internal") or any(n for k, n in counts.items() if k not in known):
        return ExitCode.INTERNAL
    if counts.get("failed"):
        return ExitCode.FAILED
    if counts.get("error"):
        return ExitCode.MALFORMED
    if counts.get("undetermined") or counts.get("aborted"):
        return ExitCode.UNDETERMINED
    return ExitCode.OK
