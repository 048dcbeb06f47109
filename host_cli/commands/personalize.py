"""``cccd personalize``: personalise a virtual card into a folder (docs/emulator.md)."""

from __future__ import annotations

from pathlib import Path

import click

from .. import render
from ..exit_codes import ExitCode
from ..options import GroupedCommand
from ..paths import prepare_output


class PersonalizeCommand(GroupedCommand):
    """``cccd personalize --help`` lists the profiles and faults of this installation."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from cccd_chip.emulator import faults as fault_mod
        from cccd_chip.emulator.profiles import PROFILES

        with formatter.section("Profiles"):
            formatter.write_dl([(name, p.description) for name, p in PROFILES.items()])
        groups = [("data (personalisation)", fault_mod.DATA_FAULTS), ("PKI", fault_mod.PKI_FAULTS),
                  ("keys", fault_mod.KEY_FAULTS), ("EAC (terminal authentication, docs/eac.md)", fault_mod.EAC_FAULTS),
                  ("runtime (chip behaviour)", fault_mod.RUNTIME_FAULTS)]
        with formatter.section("Faults (--fault NAME[:ARG], repeatable, composable)"):
            formatter.write_dl([(title, ", ".join(names)) for title, names in groups if names])
            formatter.write_paragraph()
            formatter.write_text("ARG: a data group (dg-altered:DG2), an APDU number (remove:40, bad-mac:12) "
                                 "or SW and file (sw:6A82:DG2). Details: docs/emulator.md in the source tree.")
        from cccd_chip.emulator.quirks import QUIRKS

        with formatter.section("Quirks of real chips and issuers (--quirk NAME[:ARG]; docs/field-quirks.md)"):
            formatter.write_dl([(q.name + (f":{q.arg}" if q.arg else ""), q.summary) for q in QUIRKS.values()])


@click.command("personalize", cls=PersonalizeCommand)
@click.option("--profile", default="cccd-2021", show_default=True, metavar="NAME",
              help="Card profile (listed below).")
@click.option("--seed", type=click.IntRange(0), default=1, show_default=True,
              help="Holder, keys and face follow from the seed: same seed, same card.")
@click.option("--out", required=True, type=click.Path(), help="Folder to write the card into.")
@click.option("--fault", "faults", multiple=True, metavar="NAME[:ARG]",
              help="Named fault (repeatable), e.g. dg-altered:DG2, remove:40 (listed below).")
@click.option("--quirk", "quirks", multiple=True, metavar="NAME[:ARG]",
              help="Field quirk of real chips / issuers (repeatable, composes with faults; listed below).")
@click.option("--json", "as_json", is_flag=True, help="Print the card folder and its credentials as JSON.")
def personalize(profile, seed, out, faults, quirks, as_json):
    """Personalise a virtual card into a folder and print how to read it.

    The folder holds the card's files, keys and test PKI (csca.pem). The
    credentials printed are those of an invented holder of a test card.
    """
    from cccd_chip.emulator.card import VirtualCard
    from cccd_chip.emulator.personalize import personalize as do

    prepare_output(out, "card folder", folder_ok=True)
    d = do(profile, seed, out, faults, quirks)
    secrets = VirtualCard.load(d).secrets
    extra = f", faults {', '.join(faults)}" if faults else ""
    extra += f", quirks {', '.join(quirks)}" if quirks else ""
    if as_json:
        render.print_json({"schema": "cccd-personalize/1", "card": str(d), "profile": profile, "seed": seed,
                           "faults": list(faults), "quirks": list(quirks), "credentials": {k: v for k, v in secrets.items() if v}})
        return ExitCode.OK
    click.echo(f"virtual card ({profile}, seed {seed}{extra}) written to {d}")
    labels = (("id", "ID (12 digits)"), ("can", "CAN"), ("document_number", "document number"),
              ("date_of_birth", "date of birth"), ("date_of_expiry", "date of expiry"))
    for key, label in labels:
        if secrets.get(key):
            click.echo(f"  {label + ':':17} {secrets[key]}")
    if secrets.get("mrz"):
        click.echo("  MRZ:              " + "\n                    ".join(str(secrets["mrz"]).splitlines()))
    cred = f"--id {secrets['id']}" if secrets.get("id") else (
        f"--doc {secrets['document_number']} --dob {secrets['date_of_birth']} --doe {secrets['date_of_expiry']}")
    click.echo(f"read it:  cccd read --virtual {d} {cred} --csca {Path(d) / 'csca.pem'}")
    return ExitCode.OK
