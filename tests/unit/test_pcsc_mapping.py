"""PC/SC failures map to the project's TransportError tree (exit 4), without a reader."""

from __future__ import annotations

import pytest

from cccd_chip.errors import (
    CardRemovedError,
    CardResetError,
    MalformedResponseError,
    NoCardError,
    NoReaderError,
    ReaderUnavailableError,
    TransportError,
    UsageError,
)
from cccd_chip.transport import pcsc
from host_cli.exit_codes import exit_code_for


@pytest.mark.parametrize("code,cls,word", [
    (pcsc.SCARD_E_NO_SERVICE, ReaderUnavailableError, "pcscd"),
    (pcsc.SCARD_E_SERVICE_STOPPED, ReaderUnavailableError, "pcscd"),
    (pcsc.SCARD_E_NO_READERS_AVAILABLE, NoReaderError, "reader"),
    (pcsc.SCARD_E_UNKNOWN_READER, NoReaderError, "reader"),
    (pcsc.SCARD_E_READER_UNAVAILABLE, ReaderUnavailableError, "unplugged"),
    (pcsc.SCARD_E_NO_SMARTCARD, NoCardError, "no card"),
    (pcsc.SCARD_W_UNPOWERED_CARD, NoCardError, "no card"),
    (pcsc.SCARD_W_UNRESPONSIVE_CARD, NoCardError, "no card"),
    (pcsc.SCARD_W_REMOVED_CARD, CardRemovedError, "removed"),
    (pcsc.SCARD_W_RESET_CARD, CardResetError, "reset"),
    (pcsc.SCARD_E_SHARING_VIOLATION, ReaderUnavailableError, "sharing violation"),
    (pcsc.SCARD_E_NOT_TRANSACTED, CardRemovedError, "removed"),
    (0x80100001, TransportError, "0x80100001"),
])
def test_every_pcsc_failure_is_exit_4(code, cls, word):
    err = pcsc.map_hresult(code, "transmit")
    assert type(err) is cls and exit_code_for(err) == 4
    assert word in str(err)


def test_negative_hresults_from_pyscard_are_masked():
    assert isinstance(pcsc.map_hresult(pcsc.SCARD_W_REMOVED_CARD - (1 << 32), "x"), CardRemovedError)


def test_resolve_reader_by_index_and_name():
    names = ["ACS ACR1252 Dual Reader PICC 00 00", "ACS ACR1252 Dual Reader SAM 00 01", "Virtual PCD 00 00"]
    assert pcsc.resolve_reader("1", names) == names[1]
    assert pcsc.resolve_reader(2, names) == names[2]
    assert pcsc.resolve_reader("picc", names) == names[0]
    assert pcsc.resolve_reader("Virtual PCD 00 00", names) == names[2]
    with pytest.raises(UsageError):
        pcsc.resolve_reader("acr1252", names)
    with pytest.raises(NoReaderError):
        pcsc.resolve_reader("7", names)
    with pytest.raises(NoReaderError):
        pcsc.resolve_reader("omnikey", names)
    with pytest.raises(NoReaderError):
        pcsc.resolve_reader("0", [])


class _FakeScard:
    SCARD_PCI_T1 = object()

    def __init__(self, answer):
        self.answer = answer

    def SCardTransmit(self, card, pci, apdu):  # noqa: N802 - pyscard's name
        return self.answer


class _Ctx:
    def __init__(self, scard):
        self.scard = scard


def _transport(answer):
    t = pcsc.PcscTransport.__new__(pcsc.PcscTransport)
    t._ctx = _Ctx(_FakeScard(answer))
    t._card, t._pci, t.reader = 1, None, "fake"
    return t


def test_transmit_maps_results():
    assert _transport((0, [0x90, 0x00])).transmit(b"\x00\xa4\x04\x0c") == b"\x90\x00"
    with pytest.raises(CardRemovedError):
        _transport((0, [])).transmit(b"\x00\xb0\x00\x00\x00")  # link gone mid-APDU (vpcd)
    with pytest.raises(MalformedResponseError):
        _transport((0, [0x90])).transmit(b"\x00\xb0\x00\x00\x00")
    with pytest.raises(CardRemovedError):
        _transport((pcsc.SCARD_W_REMOVED_CARD, [])).transmit(b"\x00\xb0\x00\x00\x00")
