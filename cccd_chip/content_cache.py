"""Bounded caches of parse results, keyed by the exact bytes parsed (issue 13).

A batch verifier meets the same few structures again and again: the
EF.CardAccess of every card of a generation, DG14 and its Chip
Authentication key read three times per document (binding, PACE-CAM, AA),
the domain parameters of a curve. Parsing them once is safe only if a
result is found again for exactly the same input:

- the key is the full input (``bytes`` plus whatever else the result depends
  on), compared by equality, never by a truncated digest, so one changed
  byte is another key and is parsed afresh;
- only results are kept, never exceptions (a malformed input is parsed, and
  refused, every time);
- the values are immutable (frozen dataclasses, tuples), so no consumer can
  change what the next one finds;
- each cache is bounded (``maxsize`` entries; the oldest half is dropped when
  it is full), so hostile input cannot grow memory.

:func:`clear_content_caches` empties them all (the benchmark's ``cold`` line,
tests).
"""

from __future__ import annotations

from typing import Any, Callable, Final, Generic, Hashable, TypeVar

V = TypeVar("V")

_ALL: Final["list[ContentCache[Any]]"] = []


class ContentCache(Generic[V]):
    """A bounded mapping from an exact-content key to an immutable parse result."""

    __slots__ = ("name", "maxsize", "_data")

    def __init__(self, name: str, maxsize: int = 4096) -> None:
        self.name = name
        self.maxsize = maxsize
        self._data: dict[Hashable, V] = {}
        _ALL.append(self)

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value for ``key``, else ``compute()`` (stored only when it returns)."""
        data = self._data
        try:
            return data[key]
        except KeyError:
            pass
        value = compute()  # an exception propagates and nothing is stored
        if len(data) >= self.maxsize:
            for old in list(data)[: self.maxsize // 2 or 1]:  # insertion order: the oldest first
                del data[old]
        data[key] = value
        return value

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        self._data.clear()


def clear_content_caches() -> None:
    """Empty every content cache of this process."""
    for cache in _ALL:
        cache.clear()


__all__ = ["ContentCache", "clear_content_caches"]
