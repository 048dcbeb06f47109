"""What ``cccd verify`` does with its parsed arguments, importable without click (issue 13).

The click command (``commands/verify.py``) parses the command line and calls :func:`run`;
so does ``host_cli/fast_path.py`` for the plain forms (one dump, several, folders of dumps),
which skips importing click (~15 ms of a process). One body, so both do the same. The batch
(``commands/verify_batch.py``) and the archive engine (``commands/archive.py``) are imported
from here when they are asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from cccd_chip.errors import UsageError

from .. import render
from ..exit_codes import exit_code_for
from ..failure import errors_as_json
from ..imports import frozen_imports
from ..paths import named, require_path
from ..verification import build_trust_store, make_policy, parse_at, verify

# the options of the archive engine (commands/archive.py archive_options): any of them selects it
ARCHIVE_OPTIONS = ("engine", "scheduler", "batch_size", "out", "resume", "changed_since")


def run(dumps: tuple[str, ...], csca: tuple[str, ...], masterlist: tuple[str, ...], masterlist_root: tuple[str, ...],
        crl: tuple[str, ...], ldif: tuple[str, ...], stream: bool, workers: Optional[int], as_json: bool,
        as_jsonl: bool, at: Optional[str], archive_args: dict[str, Any], policy_options: dict[str, Any],
        known: tuple[str, ...]) -> int:
    """``cccd verify`` (its help: commands/verify.py): one dump's report, or the batch, or the archive engine."""
    from cccd_chip.document import Document

    with frozen_imports():  # the verifier's modules, imported with the collector paused (host_cli/imports.py)
        import cccd_chip.verify.document_check  # noqa: F401
    errors_as_json(as_json)
    policy = make_policy(parse_at(at), policy_options)
    if archive_wanted(dumps, **archive_args):
        from . import archive as archive_cmd

        return archive_cmd.run(dumps, build_trust_store(csca, masterlist, masterlist_root, crl, ldif, known), policy,
                               workers=workers, stream=stream, as_json=as_json, **archive_args)
    if not dumps and not stream:
        raise UsageError("give one or more dumps (folders, .json or .cbor files), or --stream")
    store = build_trust_store(csca, masterlist, masterlist_root, crl, ldif, known)  # option errors first
    for d in dumps:  # a path where nothing exists is a usage error; a folder without a dump is exit 6
        p = require_path(d, "dump")
        if p.name == "dump.json" and any(p.parent.glob("*.bin")):
            raise UsageError(f"{p.absolute()} is the manifest of a folder dump: pass the folder "
                             f"{p.parent.absolute()}")
    if len(dumps) == 1 and not stream and not is_dump_folder_of_dumps(dumps[0]) and not as_jsonl:
        document = Document.load(named(dumps[0]))
        report = verify(document, store, policy)
        if as_json:
            render.print_json(render.verify_json(report, str(dumps[0])))
        else:
            render.human_report(report)
        return exit_code_for(report)
    from .verify_batch import _verify_many

    return _verify_many(dumps, stream, workers, policy, as_json, as_jsonl, store)


def archive_wanted(dumps: tuple[str, ...], engine: Any, scheduler: Any, batch_size: Any, out: Any, resume: Any,
                   changed_since: Any) -> bool:
    """Whether `cccd verify` runs the archive engine (an option of it, or an archive argument)."""
    from cccd_chip.archive import is_archive

    return any(x is not None for x in (engine, scheduler, batch_size, out, resume, changed_since)) or any(
        is_archive(d) for d in dumps)


def is_dump_folder_of_dumps(path: str) -> bool:
    """A folder that is not itself a folder dump (no dump.json): the dumps in it are verified as a batch."""
    p = Path(path)
    return p.is_dir() and not (p / "dump.json").exists()
