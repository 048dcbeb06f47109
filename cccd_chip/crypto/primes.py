"""Probabilistic primality (Miller-Rabin), used to vet explicit domain parameters and to
generate the virtual chip's deterministic RSA keys.

The bases are the small primes plus bases derived from a hash of the candidate, so the
test is deterministic (same answer for the same number, no randomness consumed) and a
composite crafted against fixed bases does not pass.
"""

from __future__ import annotations

import hashlib


def probably_prime(v: int, rounds: int = 24) -> bool:
    if v < 2:
        return False
    small = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    for q in small:
        if v % q == 0:
            return v == q
    d, s = v - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    # bases: the small primes, then bases derived from a hash of v, so a
    # composite crafted against fixed bases does not pass
    bases = list(small)
    seed = v.to_bytes((v.bit_length() + 7) // 8, "big")
    for i in range(rounds):
        digest = hashlib.sha256(seed + i.to_bytes(2, "big")).digest()
        bases.append(2 + int.from_bytes(digest, "big") % (v - 3))
    for base in bases:
        x = pow(base, d, v)
        if x in (1, v - 1):
            continue
        for _ in range(s - 1):
            x = x * x % v
            if x == v - 1:
                break
        else:
            return False
    return True
