"""The base of the frozen dataclasses that mypyc compiles (issue 13; cccd_chip/_native.py).

mypyc makes a ``@dataclass(frozen=True)`` of a compiled module a native class: its fields
are slots of a C struct, read and written without a dictionary. Such an instance pickles
its fields and unpickles them by assignment, which the frozen ``__setattr__`` refuses;
:class:`FrozenValue` pickles the class and its field values instead and unpickles by
calling the class with them (``__init__`` and its checks run again), so a trust store, a
report or a document crosses to a worker process (Dask, the service's workers) as before.
The same in the pure modules. (No field of these classes is ``init=False``: each is a
parameter of ``__init__``.)

The classes a verification builds many times (a report's checks, a SOD's parts) are written
``@dataclass(frozen=True, init=False)`` with their own ``__init__`` of
``object.__setattr__(self, name, name)`` lines: mypyc compiles those into stores into the
slots (~0.03 us an object), where the ``__init__`` dataclass generates stays interpreted
Python (~0.5 us). tests/unit/test_frozen.py holds each such ``__init__`` to the fields.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

__all__ = ["FrozenValue", "exact_bytes"]


class FrozenValue:
    """Base of a compiled frozen dataclass: pickled as its class and field values (module docstring)."""

    def __reduce__(self) -> tuple[Any, ...]:
        # the parameters of __init__: a field with init=False is derived by __post_init__ (Certificate.label)
        return type(self), tuple(getattr(self, f.name) for f in fields(self) if f.init)  # type: ignore[arg-type]  # every subclass is a dataclass


def exact_bytes(data: "bytes | bytearray | memoryview") -> bytes:
    """``data`` as ``bytes``: itself when it is bytes, else a copy. In compiled code ``bytes(x)``
    is a generic type call with a method lookup even when ``x`` is bytes already (~0.1 us; a
    verification made ~20 of them)."""
    return data if type(data) is bytes else bytes(data)
