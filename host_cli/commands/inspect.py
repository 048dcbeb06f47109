"""``cccd inspect``: any LDS file, every file of a dump, or an X.509 certificate, in human form."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from cccd_chip.errors import ParseError, UsageError
from cccd_chip.safe_text import visible

from .. import biometrics, render
from ..exit_codes import ExitCode
from ..failure import errors_as_json
from ..options import GroupedCommand
from ..paths import named, prepare_output, require_path, save_face

MAX_INSPECT_BYTES = 4 * 1024 * 1024


@click.command("inspect", cls=GroupedCommand)
@click.argument("path", type=click.Path())
@click.option("--face", type=click.Path(), help="Write the face image of a dump to this file (0600).")
@click.option("--fingers", type=click.Path(), help="Write one PNG per fingerprint of DG3 into this folder (0600).")
@click.option("--iris", type=click.Path(), help="Write one PNG per iris image of DG4 into this folder (0600).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def inspect(path, face, as_json, fingers=None, iris=None):
    """Show any LDS file (or every file of a dump), or an X.509 certificate, in human form.

    Exit 6 when a file is not a well-formed LDS file (its error is shown).
    """
    from cccd_chip.lds import inspect as insp

    errors_as_json(as_json)
    p = require_path(path, "file or dump")
    if face:
        prepare_output(face, "face image")
    biometric_folders = biometrics.prepare_all(fingers, iris)
    written: dict[int, list[Path]] = {}
    files: Optional[dict[str, bytes]] = None
    face_written: Optional[str] = None
    from cccd_chip.document import DUMP_FILE_SUFFIXES, Document

    if p.is_dir() or p.suffix in DUMP_FILE_SUFFIXES:  # a dump (the content decides its form)
        d = Document.load(named(p))
        files = dict(d.files)
        items = {name: insp.describe(name, data) for name, data in sorted(d.files.items())}
        if face:
            save_face(d, face)
            face_written = str(Path(face).absolute())
        written = biometrics.save_all(d, biometric_folders)
    else:
        from cccd_chip.safe_files import read_regular_file

        if not p.exists() and not p.is_symlink():
            raise UsageError(f"cannot read {p}: no such file")
        # a regular file only (a FIFO would hang, /dev/zero exhaust memory), no larger than any LDS file
        data = read_regular_file(p, MAX_INSPECT_BYTES, error=ParseError, follow_symlinks=True)
        items = {p.name: insp.describe(None, data)}
        if items[p.name].get("error"):  # not an LDS file: a CSCA / link / DSC certificate (PEM or DER)?
            from cccd_chip.pki.inspect_cert import describe_certificate

            cert = describe_certificate(data)
            if cert is not None and not cert.get("error"):
                known = cert.get("known")
                if isinstance(known, dict):  # the command line's way to opt in to that anchor
                    bundles = known.pop("bundles", None) or ()
                    known["opt_in"] = " ".join(f"--trust-known {b}" for b in bundles) or None
                items = {p.name: cert}
            else:  # a card-verifiable certificate / request, or EF.CVCA (docs/eac.md)
                from cccd_chip.eac.inspect import describe as describe_eac

                eac = describe_eac(data, p.name)
                if eac is not None:
                    items = {p.name: eac}
        if biometric_folders:  # a single DG3.bin / DG4.bin: the same export as from a dump
            written = biometrics.save_all({str(items[p.name].get("file")): data}, biometric_folders)
    if as_json:
        render.print_json({"schema": render.SCHEMA_INSPECT, "files": render.jsonable(items)})
    else:
        for name in render.sorted_files(items):
            click.echo("\n".join(render.inspect_view(name, items[name], files, face_written)))
        biometrics.echo_written(written)
    bad = [name for name, desc in items.items() if isinstance(desc, dict) and desc.get("error")]
    if bad:
        click.echo(f"cccd: malformed: {visible(', '.join(bad))}", err=True)
        return ExitCode.MALFORMED
    return ExitCode.OK
