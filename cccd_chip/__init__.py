"""cccd-chip: read and verify chip identity documents (Vietnamese CCCD, ICAO 9303 eMRTD).

The public API is what this module exports (``__all__``; docs/api.md):

- ``read_document(transport, credential)`` -> ``Document`` (every file as read, the
  access used, the chip's evidence); ``Document.holder()``, ``.face()``, ``.dg13()``;
- ``verify_document(document, trust_store, policy=Policy())`` -> ``Report`` (one verdict
  per check and ``overall``: successful | failed | undetermined);
- ``Credential`` (CAN, CCCD ID, MRZ), ``ReadOptions``, ``TrustStore``, ``Policy``;
- transports: ``PcscTransport`` (a PC/SC reader; needs pyscard, imported only when used),
  ``LocalTransport`` and ``virtual_card(folder)`` (the virtual chip in-process),
  ``TraceRecorder`` / ``TraceReplayer`` (APDU traces);
- ``errors``: the exception tree (``CccdError`` and its subclasses, each with a reason).

Every other module is internal: its names may change between releases. Names are
imported on first use, so ``import cccd_chip`` is cheap and needs no PC/SC stack.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from . import _native
from ._version import TOOL_NAME as TOOL_NAME
from ._version import __version__ as __version__

_native.activate()  # before any compiled module is imported: compiled or sources (_native.py)

if TYPE_CHECKING:  # the same names, for type checkers (at run time they come from __getattr__);
    # "X as X" re-exports them explicitly, so `from cccd_chip import X` passes mypy --strict
    from . import errors as errors
    from .document import Document as Document
    from .holder import Face as Face, Holder as Holder
    from .pki.trust_store import TrustStore as TrustStore
    from .reader import (Credential as Credential, ReadOptions as ReadOptions, ReadStats as ReadStats,
                         read_document as read_document)
    from .transport.local import LocalTransport as LocalTransport
    from .transport.pcsc import PcscTransport as PcscTransport
    from .transport.trace import TraceRecorder as TraceRecorder, TraceReplayer as TraceReplayer
    from .verify.document_check import verify_document as verify_document
    from .verify.passive import Policy as Policy
    from .verify.report import Report as Report, Verdict as Verdict

# public name -> (module, attribute); attribute None: the module itself
_EXPORTS: dict[str, tuple[str, "str | None"]] = {
    "read_document": ("cccd_chip.reader", "read_document"),
    "Credential": ("cccd_chip.reader", "Credential"),
    "ReadOptions": ("cccd_chip.reader", "ReadOptions"),
    "ReadStats": ("cccd_chip.reader", "ReadStats"),
    "Document": ("cccd_chip.document", "Document"),
    "Holder": ("cccd_chip.holder", "Holder"),
    "Face": ("cccd_chip.holder", "Face"),
    "verify_document": ("cccd_chip.verify.document_check", "verify_document"),
    "Policy": ("cccd_chip.verify.passive", "Policy"),
    "Report": ("cccd_chip.verify.report", "Report"),
    "Verdict": ("cccd_chip.verify.report", "Verdict"),
    "TrustStore": ("cccd_chip.pki.trust_store", "TrustStore"),
    "LocalTransport": ("cccd_chip.transport.local", "LocalTransport"),
    "PcscTransport": ("cccd_chip.transport.pcsc", "PcscTransport"),
    "TraceRecorder": ("cccd_chip.transport.trace", "TraceRecorder"),
    "TraceReplayer": ("cccd_chip.transport.trace", "TraceReplayer"),
    "errors": ("cccd_chip.errors", None),
}

__all__ = sorted([*_EXPORTS, "virtual_card", "__version__"])


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'cccd_chip' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def virtual_card(folder: "str | os.PathLike[str]") -> "LocalTransport":
    """A transport to the virtual chip personalised in ``folder`` (``cccd personalize --out FOLDER``), in-process."""
    from pathlib import Path

    from .emulator.applet import Applet
    from .emulator.card import VirtualCard
    from .transport.local import LocalTransport

    return LocalTransport(Applet(VirtualCard.load(Path(folder))))
