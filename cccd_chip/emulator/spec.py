"""How a fault or a quirk of the virtual chip is written: ``NAME`` or ``NAME:ARG``.

``cccd personalize --fault/--quirk`` take the text form; card.json stores
``{"name": NAME, "arg": ARG}`` (a bare string is read as the text form too).
Which names and arguments exist is the business of :mod:`.faults` and
:mod:`.quirks`, which validate a :class:`Spec` against their own catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from ..errors import UsageError


@dataclass(frozen=True)
class Spec:
    """One fault or quirk: its name and its argument as written (None: none given)."""

    name: str
    arg: Optional[str] = None

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name}:{self.arg}"

    def to_json(self) -> dict[str, Optional[str]]:
        return {"name": self.name, "arg": self.arg}

    @classmethod
    def from_text(cls, text: str) -> "Spec":
        """``NAME`` or ``NAME:ARG`` (split at the first colon; not validated)."""
        name, _, arg = text.strip().partition(":")
        return cls(name, arg or None)

    @classmethod
    def from_json(cls, value: object, *, what: str) -> "Spec":
        """A card.json entry (``{"name": .., "arg": ..}`` or the text form); ``what``: "fault" / "quirk"."""
        if isinstance(value, Spec):
            return value
        if isinstance(value, str):
            return cls.from_text(value)
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise UsageError(f'a {what} in card.json must be {{"name": ..., "arg": ...}}')
        arg = value.get("arg")
        return cls(value["name"], None if arg is None else str(arg))


def arg_or_default(spec: Spec, defaults: Mapping[str, Optional[str]], *, what: str) -> str:
    """The argument of ``spec``, else its default from ``defaults`` (the one table of defaults of
    :mod:`.faults` / :mod:`.quirks`); UsageError when it has neither."""
    if spec.arg is not None:
        return spec.arg
    default = defaults.get(spec.name)
    if default is None:
        raise UsageError(f"{what} {spec.name} needs an argument")
    return default


__all__ = ["Spec", "arg_or_default"]
