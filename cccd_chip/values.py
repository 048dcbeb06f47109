"""The base of the frozen dataclasses that mypyc compiles (issue 13; cccd_chip/_native.py).

mypyc makes a ``@dataclass(frozen=True)`` of a compiled module a native class: its fields
are slots of a C struct, read and written without a dictionary. Such an instance pickles
its fields and unpickles them by assignment, which the frozen ``__setattr__`` refuses;
:class:`FrozenValue` pickles the class and its fields instead, and restores them as
``__init__`` stores them (``object.__setattr__``), so a trust store, a report or a document
crosses to a worker process (Dask, the service's workers) as before. The same in the pure
modules, where instances keep their fields in ``__dict__``.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

__all__ = ["FrozenValue"]


def _restore(cls: Any, state: tuple[tuple[str, Any], ...]) -> Any:
    """An instance of ``cls`` with these field values (the other half of ``__reduce__``)."""
    obj = cls.__new__(cls)
    for name, value in state:
        object.__setattr__(obj, name, value)
    return obj


class FrozenValue:
    """Base of a compiled frozen dataclass: pickled as its class and field values (module docstring)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (type(self), tuple((f.name, getattr(self, f.name)) for f in fields(self)))  # type: ignore[arg-type]  # every subclass is a dataclass
