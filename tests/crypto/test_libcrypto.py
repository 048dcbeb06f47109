"""libcrypto (ctypes) EC products and exponentiation against the pure-Python arithmetic.

Every curve of ICAO 9303-11 Table 12, an explicit cofactor-4 curve, mapped
generators, the identity results, the pure-Python fallback the project takes
without libcrypto, and the DH powers. The worked-example vectors in
tests/pace run through the same functions.
"""

from __future__ import annotations

import pytest

from cccd_chip.crypto import dh, domain_params, ec, libcrypto
from cccd_chip.emulator.determinism import Drbg

# toy curve y^2 = x^3 + x + 1 over GF(1019): #E = 1052 = 4 * 263
TOY = ec.Curve("toy", None, 1019, 1, 1, 10, 537, 263, 4)
ec.validate_domain(TOY)  # explicit domains reach libcrypto only once validated
ALL_CURVES = sorted(ec.CURVES) + ["toy"]

pytestmark = pytest.mark.skipif(not libcrypto.AVAILABLE, reason="no libcrypto 3 on this machine")


def _curve(name: str) -> ec.Curve:
    return TOY if name == "toy" else ec.CURVES[name]


def _py_mul(c: ec.Curve, k: int, P: ec.Point):
    return ec._to_affine(ec._mul_jac(c, k, P), c.p)


def test_the_project_machine_loads_libcrypto_3():
    """CI and the developers' machines are Debian with libssl3: the fast path must be the one in use."""
    assert libcrypto.AVAILABLE and int(libcrypto.version() or "0", 16) >= 0x30000000


@pytest.mark.parametrize("name", ALL_CURVES)
def test_products_equal_the_python_arithmetic(name):
    c = _curve(name)
    rng = Drbg("lc" + name)
    P = _py_mul(c, 7, c.G)
    for _ in range(4):
        k1, k2 = ec.random_scalar(c.n, rng), ec.random_scalar(c.n, rng)
        assert ec.mul(c, k1, P) == _py_mul(c, k1, P)
        assert ec.mul_base(c, k1) == _py_mul(c, k1, c.G)
        expected = ec.add(c, _py_mul(c, k1, c.G), _py_mul(c, k2, P))
        assert ec.mul_sum(c, k1, k2, P) == expected
        # a mapped generator (PACE G'): the same group, another base point
        G2 = _py_mul(c, k2, c.G)
        c2 = c.with_generator(G2)
        assert ec.mul_base(c2, k1) == _py_mul(c, k1, G2)
        assert ec.mul_sum(c2, k1, k2, P) == ec.add(c, _py_mul(c, k1, G2), _py_mul(c, k2, P))
        assert ec.ecdh_x(c, k1, P) == _py_mul(c, k1 * c.h % c.n, P).x.to_bytes(c.size, "big")


@pytest.mark.parametrize("name", ["secp256r1", "brainpoolP256r1", "toy"])
def test_identity_results_come_back_as_none(name):
    c = _curve(name)
    target = ec._native_group(c)
    assert target is not None
    assert libcrypto.ec_mul(*target, c.n - 1, (c.gx, c.gy)) == (c.gx, (-c.gy) % c.p)
    assert ec.mul_sum(c, 5, c.n - 5, c.G) is None  # 5G - 5G
    assert ec.mul(c, c.n - 1, c.G) == ec.neg(c, c.G)
    assert ec.mul(c, c.n, c.G) is None  # k = n: the Python path


def test_an_unvalidated_explicit_curve_stays_in_python(monkeypatch):
    """libcrypto pads scalars with the claimed n*h: a domain not (yet) validated never reaches it."""
    odd = ec.Curve("unvalidated", None, 1019, 1, 1, 10, 537, 263, 4)
    monkeypatch.setattr(ec, "_VALIDATED", set())
    assert ec._native_group(odd) is None

    def boom(*_a, **_k):
        raise AssertionError("libcrypto used for an unvalidated domain")

    monkeypatch.setattr(libcrypto, "ec_mul", boom)
    monkeypatch.setattr(libcrypto, "ec_mul_gen", boom)
    assert ec.mul(odd, 5, odd.G) == _py_mul(odd, 5, odd.G)
    ec.validate_domain(odd)
    assert ec._native_group(odd) is not None


def test_is_multiple_compares_full_points():
    c = ec.CURVES["brainpoolP256r1"]
    P = ec.mul_base(c, 1234)
    Q = ec.mul(c, 99, P)
    assert ec.is_multiple(c, 99, P, Q)
    assert not ec.is_multiple(c, 99, P, ec.neg(c, Q))  # same x, other point
    assert not ec.is_multiple(c, 98, P, Q)
    assert not ec.is_multiple(c, 0, P, Q) and not ec.is_multiple(c, c.n + 99, P, Q)


def test_without_libcrypto_the_python_arithmetic_gives_the_same_results(monkeypatch):
    c = ec.CURVES["brainpoolP256r1"]
    rng = Drbg("fallback")
    k1, k2 = ec.random_scalar(c.n, rng), ec.random_scalar(c.n, rng)
    P = ec.mul_base(c, 4321)
    fast = (ec.mul(c, k1, P), ec.mul_base(c, k1), ec.mul_sum(c, k1, k2, P), ec.ecdh_x(c, k2, P))
    g = dh.GROUPS["rfc5114-2048-256"]
    fast_dh = dh.power(g, g.g, k1)
    monkeypatch.setattr(libcrypto, "AVAILABLE", False)
    assert (ec.mul(c, k1, P), ec.mul_base(c, k1), ec.mul_sum(c, k1, k2, P), ec.ecdh_x(c, k2, P)) == fast
    assert dh.power(g, g.g, k1) == fast_dh == pow(g.g, k1, g.p)


def test_a_failing_libcrypto_call_falls_back_to_python(monkeypatch):
    c = ec.CURVES["secp256r1"]
    P = ec.mul_base(c, 77)

    def broken(*_a, **_k):
        raise libcrypto.NativeError("simulated")

    monkeypatch.setattr(libcrypto, "ec_mul", broken)
    monkeypatch.setattr(libcrypto, "ec_mul_gen", broken)
    monkeypatch.setattr(libcrypto, "ec_mul_sum", broken)
    assert ec.mul(c, 5, P) == _py_mul(c, 5, P)
    assert ec.mul_sum(c, 3, 5, P) == ec.add(c, _py_mul(c, 3, c.G), _py_mul(c, 5, P))


@pytest.mark.parametrize("group", sorted(dh.GROUPS))
def test_dh_powers_equal_python_pow(group):
    g = dh.GROUPS[group]
    rng = Drbg("dh" + group)
    for _ in range(3):
        x = ec.random_scalar(g.q, rng)
        y = pow(g.g, 12345, g.p)
        assert libcrypto.mod_exp(y, x, g.p) == pow(y, x, g.p)
        assert dh.power(g, y, x) == pow(y, x, g.p)
    assert libcrypto.pow_mod(5, 0, g.p) == 1
    assert libcrypto.pow_mod(g.p + 5, 3, g.p) == 125  # base reduced first
    assert libcrypto.pow_mod(3, 4, 10) == 81 % 10  # even modulus: Python's pow


@pytest.mark.parametrize("bits", [512, 1024, 2048, 3072, 4096])
def test_public_mod_exp_equals_python_pow(bits):
    """The RSA public operation (AA): BN_mod_exp equals pow for random odd moduli, exponents 3 / 65537 / large."""
    rng = Drbg(f"rsa{bits}")
    for _ in range(5):
        n = int.from_bytes(rng(bits // 8), "big") | (1 << (bits - 1)) | 1
        s = int.from_bytes(rng(bits // 8), "big") % n
        for e in (0, 1, 3, 65537, (1 << 31) + 11, n - 1):
            assert libcrypto.public_mod_exp(s, e, n) == pow(s, e, n)
    assert libcrypto.public_mod_exp(0, 65537, 15) == 0 and libcrypto.public_mod_exp(14, 3, 15) == pow(14, 3, 15)


@pytest.mark.parametrize(("s", "e", "n"), [(2, 3, 10), (2, 3, 1), (15, 3, 15), (-1, 3, 15), (2, -1, 15)])
def test_public_mod_exp_refuses_what_it_does_not_define(s, e, n):
    with pytest.raises(ValueError):
        libcrypto.public_mod_exp(s, e, n)


def test_domain_gm_host_key_equals_the_long_way():
    """mul_gen_add (the host's sk*G' without G') equals sk * (s*G + H) on EC and DH."""
    for pid in (13, 12, 2):
        d = domain_params.standard(pid)
        rng = Drbg(f"gm{pid}")
        s, sk_map, sk = (ec.random_scalar(d.order, rng) for _ in range(3))
        peer = d.mul_gen(ec.random_scalar(d.order, rng))
        H = d.mul(sk_map, peer)
        G2 = d.op(d.mul_gen(s), H)
        n = d.order
        assert d.mul_gen_add(sk * s % n, sk * sk_map % n, peer) == d.with_generator(G2).mul_gen(sk)
        if isinstance(d, domain_params.EcDomain):
            assert ec.add(d.curve, peer, d.inverse(peer)) is None
        else:
            assert d.op(peer, d.inverse(peer)) == 1


@pytest.mark.parametrize("cipher,s_len", [("AES-128", 16), ("AES-128", 32), ("AES-192", 32), ("AES-256", 32)])
def test_im_prf_with_one_key_schedule_per_key_equals_figure_2(cipher, s_len):
    """The PRF's AES path (both constants under one key schedule) against ICAO 9303-11 Figure 2 step by step."""
    from cccd_chip.access.pace import mapping, symmetric
    from cccd_chip.crypto import aes

    rng = Drbg(cipher + str(s_len))
    klen = symmetric.key_length(cipher)
    s, t = rng(s_len), rng(klen)
    for p in (ec.CURVES["brainpoolP256r1"].p, ec.CURVES["secp521r1"].p, dh.GROUPS["rfc5114-2048-224"].p):
        c0, c1 = (mapping.C0_128, mapping.C1_128) if s_len == 16 else (mapping.C0_256, mapping.C1_256)
        n = -(-(p.bit_length() + 64) // (8 * s_len))
        key = aes.encrypt_cbc(t, s)[:klen]
        expected = b""
        for _ in range(n):
            expected += aes.encrypt_cbc(key, c1)
            key = aes.encrypt_cbc(key, c0)[:klen]
        assert mapping.prf(cipher, s, t, p) == expected


def _scratch_is_clean(s) -> bool:
    """The scratch BIGNUMs that held secrets read as zero and the output buffer is zeroed."""
    import ctypes

    api = libcrypto._API
    out = ctypes.create_string_buffer(160)
    for bn in s.sec + [s.res]:
        if api.BN_bn2binpad(bn, out, len(out)) != len(out) or out.raw != bytes(len(out)):
            return False
    return s.buf.raw == bytes(len(s.buf)) and not s.busy


def test_the_thread_scratch_is_wiped_after_every_call():
    """Scalars, exponents and results do not stay in the reused BIGNUMs or the buffer (libcrypto.py)."""
    c = ec.CURVES["brainpoolP256r1"]
    g = dh.GROUPS["rfc5114-2048-256"]
    P = ec.mul_base(c, 4321)
    ec.mul(c, 1234567, P)
    s = libcrypto._LOCAL.scratch
    assert _scratch_is_clean(s)
    ec.mul_sum(c, 11, 13, P)
    ec.ecdh_x(c, 99, P)
    assert libcrypto.mod_exp(g.g, 12345, g.p) == pow(g.g, 12345, g.p)
    assert libcrypto._LOCAL.scratch is s and _scratch_is_clean(s)


def test_threads_use_their_own_scratch_and_get_the_same_products():
    import threading

    c = ec.CURVES["secp256r1"]
    P = _py_mul(c, 5, c.G)
    expected = {k: _py_mul(c, k, P) for k in range(2, 40)}
    seen: dict[int, object] = {}
    errors: list[str] = []

    def work(i: int) -> None:
        for k in range(2, 40):
            if ec.mul(c, k, P) != expected[k]:
                errors.append(f"thread {i}, k {k}")
        seen[i] = libcrypto._LOCAL.scratch

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({id(s) for s in seen.values()}) == 4


def test_a_busy_scratch_is_not_shared(monkeypatch):
    """A call that finds this thread's scratch in use (re-entered) works on a fresh set and frees it."""
    c = ec.CURVES["secp256r1"]
    ec.mul(c, 3, c.G)
    s = libcrypto._LOCAL.scratch
    s.busy = True
    try:
        assert ec.mul(c, 7, _py_mul(c, 2, c.G)) == _py_mul(c, 14, c.G)
        assert libcrypto._LOCAL.scratch is s and s.busy
    finally:
        s.busy = False


def test_mapped_generators_do_not_fill_the_group_look_up():
    """A PACE mapped generator G' on an explicit curve is used once: products on it work (on the
    curve's group), but its parameters are not remembered; the curve's own ones are."""
    ec.mul_base(TOY, 3)
    before = dict(libcrypto._BY_PARAMS)
    assert TOY.params in before
    for k in range(2, 6):
        G2 = _py_mul(TOY, k, TOY.G)
        c2 = TOY.with_generator(G2)
        assert ec._native_group(c2) == (None, c2.params)  # explicit: its own parameters, G' included
        assert ec.mul(c2, 7, c2.G) == _py_mul(TOY, 7 * k % TOY.n, TOY.G)
        assert libcrypto.ec_mul_gen(None, c2.params, 7) == tuple(_py_mul(TOY, 7 * k % TOY.n, TOY.G))
    assert libcrypto._BY_PARAMS == before


@pytest.mark.parametrize("name", [n for n in sorted(ec.CURVES) if ec.CURVES[n].p % 4 == 3])
def test_im_point_encoding_with_one_exponentiation_equals_appendix_b(name):
    """f_G with a single exponentiation (mapping.point_encoding) gives Appendix B's point, on
    both branches (h2 a square or not), for every Table 12 curve with p = 3 mod 4."""
    from cccd_chip.access.pace import mapping

    c = ec.CURVES[name]
    rng = Drbg("fG" + name)
    branches = set()
    for _ in range(24):
        t = int.from_bytes(rng(c.size + 8), "big") % c.p or 1
        expected = mapping._point_encoding_appendix_b(c, t)
        assert mapping.point_encoding(c, t) == expected
        alpha = (-t * t) % c.p
        x2 = -c.b * (1 + alpha + alpha * alpha) * pow(c.a * (alpha + alpha * alpha), -1, c.p) % c.p
        branches.add(expected.x == x2)
    assert branches == {True, False}  # both branches of Appendix B step 7 were taken


def test_im_point_encoding_every_input_of_a_toy_curve():
    """Every t of a curve with cofactor 4 (so a point of order 2, U = 0 possible): the same point
    (times the cofactor) or the same refusal as Appendix B step by step."""
    from cccd_chip.access.pace import mapping
    from cccd_chip.errors import InvalidPublicKeyError

    seen_u0 = False
    for t in range(1, TOY.p):
        alpha = (-t * t) % TOY.p
        ref = None if TOY.a * (alpha + alpha * alpha) % TOY.p == 0 else mapping._point_encoding_appendix_b(TOY, t)
        if ref is not None and not ec.is_on_curve(TOY, ref.x, ref.y):
            ref = None
        expected = None if ref is None else ec.mul(TOY, TOY.h, ref)
        try:
            got = mapping.point_encoding(TOY, t)
        except InvalidPublicKeyError:
            got = None
        assert got == expected, t
        x2n = -TOY.b * (1 + alpha + alpha * alpha) % TOY.p
        d = TOY.a * (alpha + alpha * alpha) % TOY.p
        if d and (x2n ** 3 + TOY.a * x2n * d * d + TOY.b * d ** 3) % TOY.p == 0:
            seen_u0 = True
    assert not seen_u0  # this curve's map never meets its point of order 2: see the next test


def test_im_point_encoding_where_h2_is_zero():
    """y^2 = x^3 + x + 2 over GF(1019) has a root 803, which t = 122 maps X2 to (U = 0, h2 = 0):
    the point is Appendix B's, a point of order 2 (here X3 = -1, another root), which the
    single-exponentiation formulas cannot give."""
    from cccd_chip.access.pace import mapping

    c = ec.Curve("toy-2-torsion", None, 1019, 1, 2, 0, 0, 1019, 1)  # n, G unused by point_encoding (h = 1)
    assert mapping.point_encoding(c, 122) == mapping._point_encoding_appendix_b(c, 122) == ec.Point(1018, 0)
    for t in range(2, 60):
        alpha = (-t * t) % c.p
        if c.a * (alpha + alpha * alpha) % c.p:
            assert mapping.point_encoding(c, t) == mapping._point_encoding_appendix_b(c, t)


# --- the IM PRF's AES key chain through one re-keyed EVP context per thread ------------------


def _pyca_ecb(key: bytes, data: bytes, decrypt: bool = False) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    c = Cipher(algorithms.AES(key), modes.ECB())
    ctx = c.decryptor() if decrypt else c.encryptor()
    return ctx.update(data) + ctx.finalize()


def test_aes_key_chain_equals_the_prf_step_by_step():
    """ICAO 9303-11 Figure 2 for 16-byte blocks: k_0 = E(t, s), x_i || k_(i+1) = E(k_i, c1 || c0)."""
    from cccd_chip.access.pace import mapping

    rng = Drbg("chain")
    both = mapping.C1_128 + mapping.C0_128
    for rounds in (1, 2, 3, 5, 9, 64):
        t, s = rng(16), rng(16)
        key = _pyca_ecb(t, s)
        expected = b""
        for _ in range(rounds):
            xk = _pyca_ecb(key, both)
            expected += xk[:16]
            key = xk[16:]
        assert libcrypto.aes_key_chain(t, s, both, rounds) == expected
        assert libcrypto.aes_key_chain(t, s, rng(32), rounds) != expected  # other constants, other blocks


@pytest.mark.parametrize("key,first,data,rounds", [
    (bytes(24), bytes(16), bytes(32), 3), (bytes(16), bytes(32), bytes(32), 3),
    (bytes(16), bytes(16), bytes(16), 3), (bytes(16), bytes(16), bytes(32), 0), (bytes(16), bytes(16), bytes(32), 65),
])
def test_aes_key_chain_refuses_what_it_does_not_define(key, first, data, rounds):
    with pytest.raises(ValueError):
        libcrypto.aes_key_chain(key, first, data, rounds)


def test_the_aes_context_is_left_with_an_all_zero_key():
    """After a chain the thread's context holds no key of the caller: encrypting without
    re-keying gives the all-zero key's block, and the output buffer is zeroed."""
    import ctypes

    rng = Drbg("aes-wipe")
    libcrypto.aes_key_chain(rng(16), rng(16), rng(32), 3)
    s = libcrypto._LOCAL.scratch
    assert _scratch_is_clean(s)
    api = libcrypto._API
    block = rng(16)
    out = ctypes.create_string_buffer(16)
    outl = ctypes.c_int()
    assert set(s.aes) == {16}
    assert api.EVP_CipherUpdate(s.aes[16], out, ctypes.byref(outl), block, 16) and outl.value == 16
    assert out.raw == _pyca_ecb(bytes(16), block)


def test_the_prf_without_libcrypto_gives_the_same_blocks(monkeypatch):
    from cccd_chip.access.pace import mapping

    rng = Drbg("aes-fallback")
    cases = [(rng(16), rng(16), p) for p in (ec.CURVES["secp256r1"].p, ec.CURVES["secp521r1"].p,
                                              dh.GROUPS["rfc5114-1024-160"].p)]
    fast = [mapping.prf("AES-128", s, t, p) for s, t, p in cases]
    monkeypatch.setattr(libcrypto, "AVAILABLE", False)
    assert [mapping.prf("AES-128", s, t, p) for s, t, p in cases] == fast


def test_a_failing_key_chain_falls_back_to_pyca(monkeypatch):
    from cccd_chip.access.pace import mapping

    rng = Drbg("aes-broken")
    s, t, p = rng(16), rng(16), ec.CURVES["brainpoolP256r1"].p
    expected = mapping.prf("AES-128", s, t, p)

    def broken(*_a, **_k):
        raise libcrypto.NativeError("simulated")

    monkeypatch.setattr(libcrypto, "aes_key_chain", broken)
    assert mapping.prf("AES-128", s, t, p) == expected


@pytest.mark.parametrize("name", ALL_CURVES)
def test_x_only_products_equal_the_python_arithmetic(name):
    c = _curve(name)
    target = ec._native_group(c)
    assert target is not None
    rng = Drbg("x" + name)
    P = _py_mul(c, 11, c.G)
    for _ in range(3):
        k = ec.random_scalar(c.n, rng)
        assert libcrypto.ec_mul_x(*target, k, (P.x, P.y)) == _py_mul(c, k, P).x.to_bytes(c.size, "big")
    assert libcrypto.ec_mul_x(*target, c.n - 1, (P.x, P.y)) == P.x.to_bytes(c.size, "big")  # -P


@pytest.mark.parametrize("name", ["secp256r1", "secp384r1", "secp521r1", "brainpoolP256r1", "brainpoolP384r1"])
def test_x_only_key_pair_is_the_key_up_to_its_sign_with_the_same_ecka(monkeypatch, name):
    """ec.x_only_key_pair (PACE-IM's host key where pyca's OpenSSL is the faster one): the point
    is sk*G' or -sk*G' and the agreement equals ECKA with sk; elsewhere it declines (None)."""
    c = ec.CURVES[name]
    rng = Drbg("xonly" + name)
    G2 = _py_mul(c, ec.random_scalar(c.n, rng), c.G)  # a mapped generator
    assert ec.x_only_key_pair(c, 5, G2) is None or name in ec._PYCA_FASTER
    monkeypatch.setattr(ec, "_PYCA_FASTER", frozenset({name}))
    signs = set()
    for _ in range(6):
        sk = ec.random_scalar(c.n, rng)
        got = ec.x_only_key_pair(c, sk, G2)
        assert got is not None
        pk, agree = got
        expected = _py_mul(c, sk, G2)
        assert pk in (expected, ec.neg(c, expected))
        signs.add(pk == expected)
        peer = _py_mul(c, ec.random_scalar(c.n, rng), c.G)
        assert agree(peer) == _py_mul(c, sk, peer).x.to_bytes(c.size, "big") == ec.ecdh_x(c, sk, peer)
    assert signs == {True, False}  # both signs occur: the caller may not rely on either
    assert ec.x_only_key_pair(c, 0, G2) is None and ec.x_only_key_pair(c, c.n, G2) is None
    assert ec.x_only_key_pair(ec.CURVES["secp224r1"], 5, ec.CURVES["secp224r1"].G) is None  # not in the set
