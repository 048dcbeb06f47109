"""``cccd reverify --db URL``: re-verify the dumps stored by ``cccd serve`` under the current trust.

See cccd_chip/archive/reverify.py and docs/archive.md §5. stdout: one JSON line per
record whose verdict changed (the result line of docs/archive.md with ``previous``
and ``record``, the id of the new record); stderr: the summary (human line, then a
JSON line ``cccd-archive-summary/1`` with a ``reverify`` object of plan counts and
records written). Exit code as for archives: 1 any failed, 6 any error, 3 any
undetermined, else 0; 2 usage (no dump key, unreachable scheduler).
"""

from __future__ import annotations

import json
import sys

import click

from cccd_chip.errors import UsageError

from ..exit_codes import exit_code_for
from ..trust import make_policy, parse_at, trust_options
from .keys import db_option


@click.command("reverify")
@db_option
@trust_options
@click.option("--engine", type=click.Choice(["process", "dask"]), default="process", show_default=True,
              help="A local process pool, or Dask (a local cluster, or --scheduler).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="With --engine dask: an existing Dask scheduler.")
@click.option("--workers", type=click.IntRange(1, 1024), default=None, help="Processes (default: every core).")
@click.option("--batch-size", type=int, default=None, help="Dumps per task (default 64).")
@click.option("--all", "show_all", is_flag=True, help="Print every re-verified record, not only the changed ones.")
def reverify(db_url, csca, masterlist, masterlist_root, crl, ldif, engine, scheduler, workers, batch_size, show_all,
            at=None):
    """Re-verify the dumps `cccd serve --store-dumps` kept, under the current trust.

    Trust = the options given here + the CRLs / master lists stored in the database.
    A changed verdict becomes a new record. Needs CCCD_SERVICE_DUMP_KEY.
    """
    try:
        from cccd_chip.archive.reverify import Reverify
        from cccd_chip.archive.run import DEFAULT_BATCH, RunOptions
        from cccd_chip.service.config import TrustSources
        from cccd_chip.service.privacy import DUMP_KEY_ENV, DumpSealer, key_from_env
        from cccd_chip.service.repository import Repository
        from cccd_chip.service.trust import initial_store, load_roots
    except ImportError:
        raise UsageError("cccd reverify needs the service extra: pip install 'cccd-chip[service]'") from None
    at_time = parse_at(at)
    policy = make_policy(at_time)
    key = key_from_env(DUMP_KEY_ENV)
    if key is None:
        raise UsageError(f"{DUMP_KEY_ENV} is not set: the stored dumps cannot be opened without it")
    repo = Repository.open(db_url)
    try:
        sources = TrustSources(tuple(csca), tuple(masterlist), tuple(masterlist_root), tuple(crl), tuple(ldif))
        store = initial_store(sources, repo.trust_materials(), load_roots(masterlist_root))
        options = RunOptions(engine=engine, scheduler=scheduler, workers=workers,
                             batch_size=DEFAULT_BATCH if batch_size is None else batch_size)
        job = Reverify(repo, store, policy, DumpSealer(key), options,
                       time_reference=at_time.isoformat() if at_time is not None else "",
                       announce=lambda s: click.echo(f"cccd reverify: {s}", err=True))
        out = sys.stdout

        def emit(line, changed: bool, record_id) -> None:
            if changed or show_all:
                obj = line.to_json(with_previous=True)
                obj["record"] = record_id
                out.write(json.dumps(obj, ensure_ascii=True, separators=(",", ":")) + "\n")
                out.flush()

        summary = job.run(emit)
    finally:
        repo.close()
    click.echo(f"cccd reverify: {job.plan.records} records, {len(job.plan.candidates)} dumps re-verified, "
               f"{job.written} new records; {summary.human()}", err=True)
    doc = summary.to_json() | {"reverify": job.plan.to_json() | {"records_written": job.written}}
    click.echo(json.dumps(doc, ensure_ascii=True, separators=(",", ":")), err=True)
    return exit_code_for(summary.verdicts)

