"""Prometheus text exposition (format 0.0.4) of the service's counters, written by hand.

- ``cccd_http_requests_total{method,route,status}``: requests answered; ``route`` is
  the route template (``/v1/verifications/{id}``), never a concrete path;
- ``cccd_http_request_duration_seconds{route}``: latency histogram;
- ``cccd_verifications_total{verdict,result}``: new records and idempotent repeats;
- ``cccd_trust_store_age_seconds``: since the current trust store was installed;
  ``cccd_trust_store_info{version}`` 1; ``cccd_trust_store_swaps_total``;
- ``cccd_trust_crl_next_update_seconds``: until the earliest CRL nextUpdate (negative: stale);
- ``cccd_db_commits_total`` / ``cccd_db_records_total``: transactions of the record writer and the
  records they carried (their ratio is the mean group-commit batch);
- ``cccd_db_flush_duration_seconds``: histogram of the time each of those batches took in the
  database (insert and commit, the fsync included): a request waits for at most two of them;
- ``cccd_verify_workers``: processes of the verification pool.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import Counter
from typing import Optional, Sequence

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _histogram(name: str, what: str, h: Optional[tuple[Sequence[float], Sequence[int], float]]) -> list[str]:
    if h is None:
        return []
    bounds, counts, total = h
    out = [f"# HELP {name} {what}", f"# TYPE {name} histogram"]
    acc = 0
    for le, n in zip(bounds, counts):
        acc += n
        out.append(f'{name}_bucket{{le="{le}"}} {acc}')
    acc += counts[-1]
    out += [f'{name}_bucket{{le="+Inf"}} {acc}', f"{name}_sum {total:.6f}", f"{name}_count {acc}"]
    return out


def _label(v: str) -> str:
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.verifications: Counter[tuple[str, str]] = Counter()
        self._hist: dict[str, list[int]] = {}
        self._sum: dict[str, float] = {}
        self._count: Counter[str] = Counter()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, status)] += 1
            h = self._hist.setdefault(route, [0] * (len(BUCKETS) + 1))
            h[bisect.bisect_left(BUCKETS, seconds)] += 1
            self._sum[route] = self._sum.get(route, 0.0) + seconds
            self._count[route] += 1

    def verification(self, verdict: str, created: bool) -> None:
        with self._lock:
            self.verifications[(verdict, "created" if created else "existing")] += 1

    def render(self, *, trust_version: str, trust_loaded_at: dt.datetime, swaps: int, workers: int,
               crl_next_update: Optional[dt.datetime], db_commits: int = 0, db_records: int = 0,
               db_flush: Optional[tuple[Sequence[float], Sequence[int], float]] = None) -> str:
        """The exposition text; ``db_flush`` is (bucket bounds, counts per bucket and one beyond, sum)."""
        now = dt.datetime.now(dt.timezone.utc)
        out = ["# HELP cccd_http_requests_total HTTP requests answered.",
               "# TYPE cccd_http_requests_total counter"]
        with self._lock:
            for (m, r, s), n in sorted(self.requests.items()):
                out.append(f'cccd_http_requests_total{{method="{_label(m)}",route="{_label(r)}",status="{s}"}} {n}')
            out += ["# HELP cccd_http_request_duration_seconds Time to answer a request.",
                    "# TYPE cccd_http_request_duration_seconds histogram"]
            for route, h in sorted(self._hist.items()):
                acc = 0
                for le, n in zip(BUCKETS, h):
                    acc += n
                    out.append(f'cccd_http_request_duration_seconds_bucket{{route="{_label(route)}",le="{le}"}} {acc}')
                acc += h[-1]
                out.append(f'cccd_http_request_duration_seconds_bucket{{route="{_label(route)}",le="+Inf"}} {acc}')
                out.append(f'cccd_http_request_duration_seconds_sum{{route="{_label(route)}"}} {self._sum[route]:.6f}')
                out.append(f'cccd_http_request_duration_seconds_count{{route="{_label(route)}"}} {self._count[route]}')
            out += ["# HELP cccd_verifications_total Verification answers by verdict (created or an existing record).",
                    "# TYPE cccd_verifications_total counter"]
            for (v, res), n in sorted(self.verifications.items()):
                out.append(f'cccd_verifications_total{{verdict="{_label(v)}",result="{res}"}} {n}')
        out += ["# HELP cccd_trust_store_age_seconds Seconds since the current trust store was installed.",
                "# TYPE cccd_trust_store_age_seconds gauge",
                f"cccd_trust_store_age_seconds {(now - trust_loaded_at).total_seconds():.3f}",
                "# HELP cccd_trust_store_info The current trust store version.",
                "# TYPE cccd_trust_store_info gauge",
                f'cccd_trust_store_info{{version="{_label(trust_version)}"}} 1',
                "# HELP cccd_trust_store_swaps_total Trust stores installed after start-up.",
                "# TYPE cccd_trust_store_swaps_total counter",
                f"cccd_trust_store_swaps_total {swaps}",
                "# HELP cccd_db_commits_total Transactions that wrote verification records (group commit).",
                "# TYPE cccd_db_commits_total counter",
                f"cccd_db_commits_total {db_commits}",
                "# HELP cccd_db_records_total Records handed to the writer (records / commits = mean batch).",
                "# TYPE cccd_db_records_total counter",
                f"cccd_db_records_total {db_records}",
                *_histogram("cccd_db_flush_duration_seconds",
                            "Time of each record batch in the database (insert and commit).", db_flush),
                "# HELP cccd_verify_workers Processes of the verification pool.",
                "# TYPE cccd_verify_workers gauge",
                f"cccd_verify_workers {workers}"]
        if crl_next_update is not None:
            out += ["# HELP cccd_trust_crl_next_update_seconds Seconds until the earliest CRL nextUpdate.",
                    "# TYPE cccd_trust_crl_next_update_seconds gauge",
                    f"cccd_trust_crl_next_update_seconds {(crl_next_update - now).total_seconds():.0f}"]
        return "\n".join(out) + "\n"
