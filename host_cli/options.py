"""Option groups shared by several commands: credential, source, chip limits (docs/cli.md).

``GroupedCommand`` lists a command's options in titled sections; ``grouped`` and
``option_group`` make options that know their section.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import click

from cccd_chip.errors import UsageError

from .paths import require_path

Decorator = Callable[[Any], Any]


class GroupedCommand(click.Command):
    """A command whose ``--help`` lists options in sections (Credential, Source, ...)."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                sections.setdefault(getattr(param, "help_group", "Options"), []).append(record)
        for title, rows in sections.items():
            with formatter.section(title):
                formatter.write_dl(rows)


class CccdGroup(click.Group):
    """The ``cccd`` group: its commands list their options in sections."""

    command_class = GroupedCommand


def grouped(group: str, *decls: str, **attrs: Any) -> click.Option:
    """A click option that ``GroupedCommand`` lists under ``group``."""
    opt = click.Option(decls, **attrs)
    opt.help_group = group  # type: ignore[attr-defined]
    return opt


def option_group(group: str, *specs: tuple) -> Decorator:
    """Decorator adding options in the order given (click lists them as added)."""

    def deco(f: Any) -> Any:
        params = getattr(f, "__click_params__", [])
        for decls, attrs in reversed(specs):
            params.append(grouped(group, *decls, **attrs))
        f.__click_params__ = params
        return f

    return deco


# --- credential ---------------------------------------------------------------

credential_options: Decorator = option_group(
    "Credential (exactly one of --can, --id, --mrz, --doc)",
    (("--can",), dict(help="Card access number (6 digits).")),
    (("--id", "id12"), dict(help="CCCD 12-digit ID number (CAN = last 6 digits; with --dob/--doe BAC "
                                 "is possible too).")),
    (("--mrz",), dict(help="The MRZ (TD1, TD2 or TD3), lines separated by any whitespace.")),
    (("--doc",), dict(help="Document number (BAC, with --dob and --doe).")),
    (("--dob",), dict(help="Date of birth YYMMDD.")),
    (("--doe",), dict(help="Date of expiry YYMMDD (991231: no expiry).")),
)


# --- source -------------------------------------------------------------------

source_options: Decorator = option_group(
    "Source (exactly one of --reader, --virtual, --replay)",
    (("--reader", "reader"), dict(help="PC/SC reader name or index (see `cccd readers`).")),
    (("--virtual", "virtual"), dict(type=click.Path(), help="Virtual card directory (in-process).")),
    (("--replay", "replay"), dict(type=click.Path(), help="Replay a recorded APDU trace.")),
    (("--wait",), dict(type=click.FloatRange(0), default=0.0, help="Seconds to wait for a card.")),
)


def open_source(reader: Optional[str], virtual: Optional[str], replay: Optional[str],
                wait: float = 0.0) -> tuple[Any, Any, str, Any]:
    """(transport, rng, source label, replayer or None) for ``--reader`` / ``--virtual`` / ``--replay``."""
    from cccd_chip.reader import system_rng

    given = [x for x in (reader, virtual, replay) if x is not None]
    if len(given) != 1:
        raise UsageError("give exactly one of --reader, --virtual, --replay")
    if virtual is not None:
        require_path(virtual, "virtual card folder")
        from cccd_chip.emulator.applet import Applet
        from cccd_chip.emulator.card import VirtualCard
        from cccd_chip.transport.local import LocalTransport

        card = VirtualCard.load(virtual)
        return LocalTransport(Applet(card)), system_rng, f"emulator:{card.profile} seed={card.seed}", None
    if replay is not None:
        require_path(replay, "trace")
        from cccd_chip.transport.trace import TraceReplayer

        rep = TraceReplayer(replay)
        return rep, rep.rng, (rep.header.source if rep.header else None) or "replay", rep
    from cccd_chip.transport.pcsc import PcscTransport

    assert reader is not None  # exactly one of the three was given
    t = PcscTransport(reader, wait=wait)
    return t, system_rng, f"pcsc:{t.reader}", None


# --- what a chip may impose on a read ----------------------------------------------

DEFAULT_MAX_SECONDS = 120.0


def chip_options(f: Any) -> Any:
    """What a chip may impose on a read: explicit domain parameters, APDUs, time (issue 10)."""
    f = click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_MAX_SECONDS,
                     show_default=True, help="Abort a read (exit 4) that takes longer than this.")(f)
    f = click.option("--max-apdus", type=click.IntRange(min=1), default=None,
                     help="Abort a read (exit 4) after this many APDUs (default: from the files' declared "
                          "sizes plus a per-card allowance).")(f)
    f = click.option("--allow-explicit-domain-parameters", "allow_explicit_domain", is_flag=True,
                     help="Accept explicit PACE/CA domain parameters from the chip (only strong ones: "
                          "curves >= 224 bits, DH p >= 2048 / q >= 224 bits). Default: ICAO 9303-11 "
                          "Table 12 domains only.")(f)
    return f


def read_budget(max_apdus: Optional[int], max_seconds: Optional[float]) -> Any:
    """The per-read budget (``--max-apdus``, ``--max-seconds`` / ``--card-timeout``)."""
    from cccd_chip.channel import ReadBudget

    return ReadBudget(max_apdus=max_apdus, max_seconds=max_seconds)
