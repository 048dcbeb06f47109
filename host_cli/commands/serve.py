"""``cccd serve``: the verification HTTP service (cccd_chip/service, docs/service.md)."""

from __future__ import annotations

import os
from typing import Optional

import click

from cccd_chip.errors import UsageError

from ..paths import require_path
from ..trust import make_policy, parse_at, trust_options
from .keys import db_option


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (put a TLS proxy in front).")
@click.option("--port", type=click.IntRange(1, 65535), default=8787, show_default=True, help="TCP port to listen on.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Verification processes (default: every core).")
@db_option
@trust_options
@click.option("--store-dumps", is_flag=True,
              help="Keep each dump, sealed with CCCD_SERVICE_DUMP_KEY (AES-256-GCM). Default: not kept.")
@click.option("--max-body", type=click.IntRange(1024, 64 * 1024 * 1024), default=4 * 1024 * 1024, show_default=True,
              help="Largest request body in bytes (413 beyond).")
@click.option("--max-depth", type=click.IntRange(3, 1000), default=32, show_default=True,
              help="Deepest JSON nesting of a body (400 beyond).")
@click.option("--rate-limit", type=click.FloatRange(0), default=20.0, show_default=True,
              help="Requests per second per API key (429 beyond; 0: no limit).")
@click.option("--burst", type=click.IntRange(1), default=40, show_default=True, help="Rate-limit bucket size.")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=30.0, show_default=True,
              help="Seconds to receive a body and verify it (408 / 503 beyond).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True, help="Level of the structured JSON log on stderr.")
def serve(host: str, port: int, workers: Optional[int], db_url: str, csca: tuple[str, ...],
          masterlist: tuple[str, ...], masterlist_root: tuple[str, ...], crl: tuple[str, ...], ldif: tuple[str, ...],
          store_dumps: bool, max_body: int, max_depth: int, rate_limit: float, burst: int, timeout: float,
          log_level: str, at: Optional[str] = None) -> int:
    """Run the verification service: POST a dump, get its report, keep a record.

    Keys: `cccd keys create`. Environment: CCCD_SERVICE_HASH_KEY (keyed hash of the
    document number), CCCD_SERVICE_DUMP_KEY (with --store-dumps), CCCD_SERVICE_DB.
    """
    try:
        from cccd_chip.service import server
        from cccd_chip.service.config import Limits, ServiceConfig, TrustSources
        from cccd_chip.service.privacy import DUMP_KEY_ENV, HASH_KEY_ENV, key_from_env
    except ImportError:
        raise UsageError("cccd serve needs its extra: pip install 'cccd-chip[service]'") from None
    if masterlist and not masterlist_root:  # as for cccd verify (docs/verification.md §1)
        raise UsageError("--masterlist needs --masterlist-root: a master list is trusted only when its signer "
                         "chains to a root you name")
    for flag, paths in (("--csca", csca), ("--masterlist", masterlist), ("--masterlist-root", masterlist_root),
                        ("--crl", crl), ("--ldif", ldif)):
        for path in paths:
            require_path(path, f"{flag} file")  # a missing file is a usage error (exit 2), as for cccd verify
    policy = make_policy(parse_at(at))
    config = ServiceConfig(
        db_url=db_url, host=host, port=port, workers=workers or os.cpu_count() or 1,
        limits=Limits(max_body=max_body, max_depth=max_depth, rate=rate_limit, burst=burst, timeout=timeout),
        policy=policy, trust=TrustSources(tuple(csca), tuple(masterlist), tuple(masterlist_root), tuple(crl),
                                          tuple(ldif)),
        store_dumps=store_dumps, hash_key=key_from_env(HASH_KEY_ENV), dump_key=key_from_env(DUMP_KEY_ENV),
        log_level=log_level)
    return server.run(config)
