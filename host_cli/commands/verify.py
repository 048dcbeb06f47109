"""``cccd verify``: re-verify dumps offline (one, many, folders of dumps, a stream; archives: commands/archive.py)."""

from __future__ import annotations

import click

from ..options import GroupedCommand
from ..trust import policy_options_given, trust_known, trust_options
from . import archive as archive_cmd


@click.command("verify", cls=GroupedCommand)
@click.argument("dumps", nargs=-1, type=click.Path())
@trust_options
@click.option("--stream", is_flag=True,
              help="Read single-file dumps (JSON, one per line) from standard input.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Processes for many dumps (default: every core; 1: in this process).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Many dumps: one JSON line per dump, as they finish.")
@archive_cmd.archive_options
def verify_cmd(dumps, csca, masterlist, masterlist_root, crl, ldif, stream, workers, as_json, as_jsonl, at=None,
               **archive_args):
    """Re-verify dumps offline: one dump, several, folders of dumps, or a stream on stdin.

    One dump (a folder, a .json or a .cbor file) prints its report. Many dumps are verified on every core (shared
    caches per process) and print one line each; the exit code is the worst:
    1 if any failed, else 6 if any dump is malformed, else 3 if any is undetermined.
    Archives (folder trees, .jsonl, .zip, .tar) with --engine process|dask: see docs/archive.md.
    """
    from .verify_run import run

    return run(dumps, csca, masterlist, masterlist_root, crl, ldif, stream, workers, as_json, as_jsonl, at,
               archive_args, policy_options=policy_options_given(), known=trust_known())
