"""Signer lookup (issue 11): the SignerInfo sid against the SOD's certificates, paired in one run.

Prints per-call times and ratios: a sid that designates no certificate (RDN order differs) must cost
about what a match costs, not a Name parse per certificate; finding the signer by its key costs one
signature verification, like a normal hit.
"""

from __future__ import annotations

import dataclasses
import time

from asn1crypto import x509

from cccd_chip.emulator.quirks import reorder_rdns
from cccd_chip.lds import sod
from cccd_chip.pki import signed_data as sdv
from cccd_chip.emulator import testpki


def _per_call(f, n: int) -> float:
    f()
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n


def main() -> None:
    csca = testpki.make_csca("VN", key_spec="p256", seed=1)
    dsc = testpki.make_dsc(csca, key_spec="p256", seed=1)
    other = testpki.make_csca("LA", key_spec="p256", seed=2)
    files = testpki.sample_data_groups(1, dg2_size=200)
    raw = testpki.make_sod(files, dsc, sid="issuer_serial", extra_certificates=[other.cert_der, csca.cert_der])
    value = sod.parse(raw)
    si = value.signed_data.signer_infos[0]
    miss = dataclasses.replace(si, sid_issuer=reorder_rdns(si.sid_issuer))
    certs = value.signed_data.certificates

    def uncached_miss() -> None:  # what a lookup cost when every compare parsed the sid's Name
        for c in certs:
            cert = sdv.load_certificate(c)
            if cert.serial == miss.sid_serial:
                _ = cert.issuer == miss.sid_issuer or cert.issuer_key == x509.Name.load(miss.sid_issuer).hashable

    hit = _per_call(lambda: sdv.find_signer(si, certs), 2000)
    fast_miss = _per_call(lambda: sdv.find_signer(miss, certs), 2000)
    slow_miss = _per_call(uncached_miss, 300)
    ident_hit = _per_call(lambda: sdv.identify_signer(si, certs), 200)
    ident_key = _per_call(lambda: sdv.identify_signer(miss, certs), 200)
    print(f"sid lookup, match:                 {hit * 1e6:8.1f} us")
    print(f"sid lookup, no match (cached keys): {fast_miss * 1e6:8.1f} us")
    print(f"sid lookup, no match (Name parsed): {slow_miss * 1e6:8.1f} us   ratio {slow_miss / fast_miss:6.0f}x")
    print(f"identify_signer by sid + signature: {ident_hit * 1e6:8.1f} us")
    print(f"identify_signer by key + signature: {ident_key * 1e6:8.1f} us   ratio {ident_key / ident_hit:6.2f}")


if __name__ == "__main__":
    main()
