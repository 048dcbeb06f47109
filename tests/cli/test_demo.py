"""`cccd demo`: the README's first command reads and verifies a virtual CCCD end to end."""

import fcntl
import subprocess
import sys

PCSC_LOCK = "/tmp/cccd-chip-pcsc-tests.lock"  # the lock of tests/pcsc: one user of the vpcd reader at a time


def test_demo_reads_and_verifies_a_virtual_cccd():
    with open(PCSC_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the demo may start pcscd + vpcd like the pcsc tests
        r = subprocess.run([sys.executable, "-m", "host_cli.main", "demo"], capture_output=True, text=True,
                           timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    out = r.stdout
    assert "Link: " in out  # says whether it ran over pcscd + vpcd or in-process
    assert "Access                   PACE-GM AES-128 (CAN, parameter 13)" in out
    for label in ("Name", "ID number", "Date of birth", "Date of expiry", "DG13 full name"):
        assert any(line.startswith(label) for line in out.splitlines()), label
    assert "Verification: SUCCESSFUL" in out
    assert "chip_auth" in out and "active_auth" in out
    assert "Traceback" not in r.stderr
