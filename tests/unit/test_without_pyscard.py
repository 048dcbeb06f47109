"""The library imports, reads in-process and verifies without pyscard (docs/architecture.md §2: pyscard in transport/pcsc.py only)."""

import subprocess
import sys
import textwrap


def test_library_works_when_pyscard_is_missing(tmp_path):
    code = textwrap.dedent(f"""
        import sys, importlib.abc
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name == "smartcard" or name.startswith("smartcard."):
                    raise ImportError("pyscard is not installed")
        sys.meta_path.insert(0, Block())
        import cccd_chip, cccd_chip.reader, cccd_chip.verify.document_check, cccd_chip.document
        from cccd_chip.emulator.personalize import personalize
        from cccd_chip.emulator.applet import Applet
        from cccd_chip.emulator.card import VirtualCard
        from cccd_chip.transport.local import LocalTransport
        from cccd_chip.reader import Credential, read_document
        from cccd_chip.verify.document_check import verify_document
        from cccd_chip.pki.trust_store import TrustStore
        d = personalize("cccd-2021", 5, r"{tmp_path / 'card'}")
        card = VirtualCard.load(d)
        doc = read_document(LocalTransport(Applet(card)), Credential.from_cccd_id(card.secrets["id"]))
        ts = TrustStore.from_sources(csca=[str(d / "csca.pem")])
        assert verify_document(doc, ts).overall.value == "successful"
        assert "smartcard" not in sys.modules
        from cccd_chip.errors import ReaderUnavailableError
        from cccd_chip.transport import pcsc
        try:
            pcsc.list_readers()
        except ReaderUnavailableError as e:
            assert "pyscard" in str(e)
        else:
            raise AssertionError("list_readers worked without pyscard")
        print("OK")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "OK"
