"""Settings of one ``cccd serve`` process (command-line options + environment keys)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

from .. import Policy  # the public facade (docs/api.md)
from . import DEFAULT_DB_URL as DEFAULT_URL

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one request may cost (docs/service.md "Limits")."""

    max_body: int = 4 * MiB  # bytes of a request body; more is 413
    max_depth: int = 32  # nesting of a JSON body (a dump needs 3); deeper is 400
    rate: float = 20.0  # requests per second per API key (token bucket), 429 beyond
    burst: int = 40  # bucket size
    timeout: float = 30.0  # seconds for reading a body plus verifying it; 408 / 503 beyond
    page_max: int = 500  # records per page of GET /v1/verifications


@dataclass(frozen=True)
class TrustSources:
    """The ``--csca/--masterlist/--masterlist-root/--crl/--ldif`` options (paths)."""

    csca: tuple[str, ...] = ()
    masterlist: tuple[str, ...] = ()
    masterlist_root: tuple[str, ...] = ()
    crl: tuple[str, ...] = ()
    ldif: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceConfig:
    db_url: str = DEFAULT_URL
    host: str = "127.0.0.1"
    port: int = 8787
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)  # verification processes
    limits: Limits = field(default_factory=Limits)
    policy: Policy = field(default_factory=Policy)
    trust: TrustSources = field(default_factory=TrustSources)
    store_dumps: bool = False
    hash_key: Optional[bytes] = field(default=None, repr=False)  # CCCD_SERVICE_HASH_KEY
    dump_key: Optional[bytes] = field(default=None, repr=False)  # CCCD_SERVICE_DUMP_KEY
    log_level: str = "info"
