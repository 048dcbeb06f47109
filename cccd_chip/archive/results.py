"""Result lines, previous runs and the run summary (docs/archive.md, "Results").

One JSON line per dump, keys in this order (``cccd-archive-result/1``)::

    {"id": "...", "digest": "<sha256 hex>|null", "verdict": "successful|failed|undetermined|
     not_supported|aborted|error", "reasons": ["check[/subject]:REASON", ...],
     "trust": "<trust store version>", "verified_at": "...Z"}

``reasons`` lists the checks that were ``failed`` or ``undetermined`` (report
order); an ``error`` line (the dump could not be loaded: exit-6 class) has its
error reason there and a ``message``. With ``--changed-since`` a line also
carries ``previous`` (the verdict of the earlier run, ``null`` if the dump is
new). Everything but ``verified_at`` is a function of the dump bytes, the
trust material and the policy: the same archive verified twice under the same
trust gives the same lines apart from that timestamp.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from ..errors import DumpFormatError
from ..json_input import JsonInputError, load_json

RESULT_SCHEMA = "cccd-archive-result/1"
SUMMARY_SCHEMA = "cccd-archive-summary/1"
ERROR = "error"
MAX_RESULT_LINE = 1 << 20  # a previous run's line longer than this is not one of ours: skipped


@dataclass(frozen=True)
class ResultLine:
    """The outcome for one dump."""

    id: str
    digest: Optional[str]
    verdict: str
    reasons: tuple[str, ...] = ()
    trust: Optional[str] = None
    verified_at: Optional[str] = None
    message: Optional[str] = None
    previous: Optional[str] = field(default=None, compare=False)
    report_json: Optional[str] = field(default=None, compare=False, repr=False)  # with_report: `cccd verify --json`

    def to_json(self, *, with_previous: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "digest": self.digest, "verdict": self.verdict, "reasons": list(self.reasons),
                     "trust": self.trust, "verified_at": self.verified_at}
        if self.message is not None:
            out["message"] = self.message
        if with_previous:
            out["previous"] = self.previous
        return out

    def to_line(self, *, with_previous: bool = False) -> str:
        """One line of JSON, ASCII only (control and non-ASCII characters of ids escaped)."""
        return json.dumps(self.to_json(with_previous=with_previous), ensure_ascii=True, separators=(",", ":")) + "\n"


@dataclass(frozen=True)
class Previous:
    """What a previous run said about a dump."""

    verdict: str
    digest: Optional[str]


def read_results(path: "str | os.PathLike[str]") -> Iterator[dict[str, Any]]:
    """The result lines of a results file, bounded per line; lines that are not results are skipped."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise DumpFormatError(f"cannot read results file: {e.strerror or e}") from None
    with f:
        while True:
            line = f.readline(MAX_RESULT_LINE + 1)
            if not line:
                return
            if len(line) > MAX_RESULT_LINE or not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):
                    line = f.readline(1 << 16)
                continue  # too long, or cut off by an interruption
            try:
                obj = load_json(line, what="results line", max_size=MAX_RESULT_LINE, max_depth=8)
            except JsonInputError:
                continue  # a damaged line of a previous run: that dump is verified again
            if isinstance(obj, dict) and isinstance(obj.get("id"), str) and isinstance(obj.get("verdict"), str):
                yield obj


def previous_run(path: "str | os.PathLike[str]") -> dict[str, Previous]:
    """id -> Previous for ``--changed-since`` (the last line of an id wins)."""
    out: dict[str, Previous] = {}
    for obj in read_results(path):
        digest = obj.get("digest")
        out[obj["id"]] = Previous(obj["verdict"], digest if isinstance(digest, str) else None)
    return out


def prepare_resume(path: "str | os.PathLike[str]") -> set[str]:
    """The ids already in a results file; a last line cut off by an interruption is removed first."""
    if not os.path.exists(path):
        return set()
    try:
        with open(path, "rb+") as f:
            size = f.seek(0, os.SEEK_END)
            if size:
                f.seek(size - 1)
                if f.read(1) != b"\n":
                    tail = min(size, MAX_RESULT_LINE + 1)
                    f.seek(size - tail)
                    chunk = f.read(tail)
                    cut = chunk.rfind(b"\n")
                    f.truncate(size - tail + cut + 1 if cut >= 0 else max(0, size - tail))
    except OSError as e:
        raise DumpFormatError(f"cannot repair results file: {e.strerror or e}") from None
    return {obj["id"] for obj in read_results(path)}


@dataclass
class Summary:
    """Counts per verdict and per transition, throughput; printed at the end of a run."""

    engine: str
    batch_size: int
    workers: int = 0
    dumps: int = 0
    skipped: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    transitions: dict[str, int] = field(default_factory=dict)
    changed: int = 0
    seconds: float = 0.0
    trust: Optional[str] = None
    interrupted: bool = False

    def add(self, line: ResultLine, previous: Optional[Previous], compare: bool) -> bool:
        """Count one result; True when its verdict differs from the previous run's."""
        self.dumps += 1
        self.verdicts[line.verdict] = self.verdicts.get(line.verdict, 0) + 1
        if not compare:
            return False
        before = previous.verdict if previous is not None else None
        if before == line.verdict:
            return False
        key = f"{before or 'new'}->{line.verdict}"
        self.transitions[key] = self.transitions.get(key, 0) + 1
        self.changed += 1
        return True

    @property
    def rate(self) -> float:
        return self.dumps / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"schema": SUMMARY_SCHEMA, "engine": self.engine, "workers": self.workers,
                "batch_size": self.batch_size, "dumps": self.dumps, "skipped": self.skipped,
                "verdicts": dict(sorted(self.verdicts.items())), "changed": self.changed,
                "transitions": dict(sorted(self.transitions.items())), "seconds": round(self.seconds, 3),
                "dumps_per_second": round(self.rate, 1), "trust": self.trust, "interrupted": self.interrupted}

    def human(self) -> str:
        counts = ", ".join(f"{v} {k}" for k, v in sorted(self.verdicts.items())) or "nothing verified"
        text = (f"{self.dumps} dumps ({counts}) in {self.seconds:.1f} s, {self.rate:.0f} dumps/s, "
                f"engine {self.engine}, {self.workers} workers, batches of {self.batch_size}")
        if self.skipped:
            text += f"; {self.skipped} skipped (already in the results file)"
        if self.transitions:
            text += "; changed: " + ", ".join(f"{k} {v}" for k, v in sorted(self.transitions.items()))
        return text

