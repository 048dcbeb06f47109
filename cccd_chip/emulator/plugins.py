"""Protocol modules that plug into the applet (PACE, CA, AA, faults).

Each module exposes ``install(applet)``; modules that do not exist yet are
skipped, so the applet works with whatever card side is available.
"""

from __future__ import annotations

import importlib

MODULES = (
    "cccd_chip.emulator.pace_card",
    "cccd_chip.emulator.ca_card",
    "cccd_chip.emulator.ta_card",
    "cccd_chip.emulator.aa_card",
    "cccd_chip.emulator.faults",
    "cccd_chip.emulator.quirks",
)


def install(applet) -> None:
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue
            raise
        hook = getattr(mod, "install", None)
        if hook is not None:
            hook(applet)
