"""The protocol modules that plug into the applet: PACE, Chip Authentication, Terminal Authentication,
Active Authentication, faults and field quirks (docs/emulator.md).

A static table: every module is imported by name here, so a missing or broken module is an
ImportError when the applet is built, never a card that silently lost a protocol. Each
entry is the module's ``install(applet)``, run in this order (faults and quirks last:
they wrap the handlers the protocols installed).
"""

from __future__ import annotations

from typing import Any, Callable

from . import aa_card, ca_card, faults, pace_card, quirks, ta_card

INSTALLERS: tuple[Callable[[Any], None], ...] = (
    pace_card.install,
    ca_card.install,
    ta_card.install,
    aa_card.install,
    faults.install,
    quirks.install,
)


def install(applet: Any) -> None:
    """Install every protocol module of the table into ``applet``."""
    for hook in INSTALLERS:
        hook(applet)
