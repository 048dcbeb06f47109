"""OpenSSL's EC point arithmetic and constant-time modular exponentiation, through ctypes.

pyca/cryptography gives ECDH (an x-coordinate) and key pairs on a curve's own
generator, never a point: PACE Generic Mapping needs ``s*G + H`` as a point and
Integrated Mapping a key pair on a mapped generator (ICAO 9303-11 §4.4.3.3.1,
§4.4.3.3.2), the CAM check ``CA_IC * PK_IC`` (§4.4.3.5.2). libcrypto does that
in C: ``EC_POINT_mul`` with ONE scalar runs OpenSSL's constant-time Montgomery
ladder (or the P-256 assembly), ``BN_mod_exp_mont_consttime`` the DH powers
(BSI TR-03110-3 §A.3). Measured against the alternatives in docs/performance.md
("PACE on the host").

The library is the libcrypto 3 the Python runtime itself links for ``ssl`` /
``hashlib``. When none can be loaded, :data:`AVAILABLE` is False and the
callers (:mod:`.ec`, :mod:`.dh`) use their pure-Python arithmetic.

Contract of every function here: inputs are already validated by the caller
(points on the curve, scalars in range); a failing libcrypto call raises
:class:`NativeError` (the OpenSSL error queue cleared), and the caller falls
back to Python. Nothing is ever freed while another call may use it: groups
are cached for the process (bounded; past the bound a group lives for one call).

Each thread keeps one BN_CTX, the BIGNUMs of the scalars and an output buffer
(:class:`_Scratch`) instead of allocating them per call (a PACE makes three
to five calls); the scalar BIGNUMs and the buffer are wiped (``BN_clear``,
``memset``) before a call returns, the points are freed with
``EC_POINT_clear_free`` as before. A product of one point, the path of every
PACE product, goes through :func:`_single` (one scalar, the result read as its
encoding or, for ECDH, its x-coordinate alone).

The Integrated Mapping PRF (a new AES key every two blocks) goes through one EVP context
per thread, re-keyed per key and left with an all-zero key after the call
(:func:`aes_key_chain`): its four keys on P-256 cost 40 % of four pyca cipher objects.
A single AES operation gains nothing this way and stays with pyca.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any, Callable, cast, Final, Optional, TypeVar

T = TypeVar("T")

__all__ = ["AVAILABLE", "NativeError", "ec_mul", "ec_mul_gen", "ec_mul_sum", "ec_mul_x", "mod_exp",
           "pow_mod", "aes_key_chain", "version"]

_POINT_CONVERSION_UNCOMPRESSED: Final = 4
_BN_FLG_CONSTTIME: Final = 0x04
_MAX_GROUPS: Final = 64

_vp = ctypes.c_void_p
_int = ctypes.c_int
_size_t = ctypes.c_size_t
_buf = ctypes.c_char_p


class NativeError(Exception):
    """A libcrypto call failed (the caller falls back to Python)."""


def _load() -> Optional[ctypes.CDLL]:
    if os.environ.get("CCCD_PURE_PYTHON_CRYPTO"):
        return None
    for soname in ("libcrypto.so.3", None):  # the soname first: find_library runs ldconfig in a child process
        if soname is None:
            from ctypes.util import find_library

            soname = find_library("crypto")
        if not soname:
            continue
        try:
            lib = ctypes.CDLL(soname)
            num = lib.OpenSSL_version_num
            num.restype = ctypes.c_ulong
            num.argtypes = []
            if num() >= 0x30000000:
                return lib
        except (OSError, AttributeError):
            continue
    return None


_LIB = _load()


class _Api:
    """The libcrypto functions used, with their C signatures."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        def fn(name: str, res: Any, *args: Any) -> Callable[..., Any]:
            f = getattr(lib, name)
            f.restype = res
            f.argtypes = list(args)
            return cast(Callable[..., Any], f)

        self.version_num = fn("OpenSSL_version_num", ctypes.c_ulong)
        self.ERR_clear_error = fn("ERR_clear_error", None)
        self.BN_CTX_new = fn("BN_CTX_new", _vp)
        self.BN_CTX_free = fn("BN_CTX_free", None, _vp)
        self.BN_new = fn("BN_new", _vp)
        self.BN_bin2bn = fn("BN_bin2bn", _vp, _buf, _int, _vp)
        self.BN_bn2binpad = fn("BN_bn2binpad", _int, _vp, _buf, _int)
        self.BN_clear_free = fn("BN_clear_free", None, _vp)
        self.BN_clear = fn("BN_clear", None, _vp)
        self.BN_set_flags = fn("BN_set_flags", None, _vp, _int)
        self.BN_mod_exp_mont_consttime = fn("BN_mod_exp_mont_consttime", _int, _vp, _vp, _vp, _vp, _vp, _vp)
        self.BN_mod_exp = fn("BN_mod_exp", _int, _vp, _vp, _vp, _vp, _vp)
        self.OBJ_txt2nid = fn("OBJ_txt2nid", _int, _buf)
        self.EC_GROUP_new_by_curve_name = fn("EC_GROUP_new_by_curve_name", _vp, _int)
        self.EC_GROUP_new_curve_GFp = fn("EC_GROUP_new_curve_GFp", _vp, _vp, _vp, _vp, _vp)
        self.EC_GROUP_set_generator = fn("EC_GROUP_set_generator", _int, _vp, _vp, _vp, _vp)
        self.EC_GROUP_free = fn("EC_GROUP_free", None, _vp)
        self.EC_POINT_new = fn("EC_POINT_new", _vp, _vp)
        self.EC_POINT_free = fn("EC_POINT_free", None, _vp)
        self.EC_POINT_clear_free = fn("EC_POINT_clear_free", None, _vp)
        self.EC_POINT_oct2point = fn("EC_POINT_oct2point", _int, _vp, _vp, _buf, _size_t, _vp)
        self.EC_POINT_point2oct = fn("EC_POINT_point2oct", _size_t, _vp, _vp, _int, _buf, _size_t, _vp)
        self.EC_POINT_is_at_infinity = fn("EC_POINT_is_at_infinity", _int, _vp, _vp)
        self.EC_POINT_mul = fn("EC_POINT_mul", _int, _vp, _vp, _vp, _vp, _vp, _vp)
        self.EC_POINT_add = fn("EC_POINT_add", _int, _vp, _vp, _vp, _vp, _vp)
        self.EVP_CIPHER_fetch = fn("EVP_CIPHER_fetch", _vp, _vp, _buf, _buf)
        self.EVP_CIPHER_CTX_new = fn("EVP_CIPHER_CTX_new", _vp)
        self.EVP_CIPHER_CTX_free = fn("EVP_CIPHER_CTX_free", None, _vp)
        self.EVP_CIPHER_CTX_set_padding = fn("EVP_CIPHER_CTX_set_padding", _int, _vp, _int)
        self.EVP_CipherInit_ex = fn("EVP_CipherInit_ex", _int, _vp, _vp, _vp, _buf, _buf, _int)
        self.EVP_CipherUpdate = fn("EVP_CipherUpdate", _int, _vp, _buf, ctypes.POINTER(_int), _buf, _int)


def _make_api() -> Optional[_Api]:
    if _LIB is None:
        return None
    try:
        return _Api(_LIB)
    except AttributeError:
        return None


_API = _make_api()
AVAILABLE: bool = _API is not None


def version() -> Optional[str]:
    """The loaded libcrypto's version number as hex (None: not loaded)."""
    return None if _API is None else f"{int(_API.version_num()):08x}"


def _api() -> _Api:
    if _API is None:
        raise NativeError("libcrypto not loaded")
    return _API


def _fail(api: _Api, what: str) -> NativeError:
    api.ERR_clear_error()
    return NativeError(f"libcrypto {what} failed")


def _bn(api: _Api, v: int, secret: bool) -> int:
    raw = v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")
    bn = api.BN_bin2bn(raw, len(raw), None)
    if not bn:
        raise _fail(api, "BN_bin2bn")
    if secret:
        api.BN_set_flags(bn, _BN_FLG_CONSTTIME)
    return int(bn)


def _set_bn(api: _Api, bn: int, v: int) -> None:
    """Load ``v`` into an existing BIGNUM (its BN_FLG_CONSTTIME flag stays as set)."""
    raw = v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")
    if not api.BN_bin2bn(raw, len(raw), bn):
        raise _fail(api, "BN_bin2bn")


_MAX_ELEMENT: Final = 1 + 2 * 128  # an uncompressed point of the largest field admitted (ec.MAX_FIELD_BITS = 1024)


class _Scratch:
    """One thread's reusable libcrypto objects: a BN_CTX, three constant-time BIGNUMs for
    secret values (scalars, bases, exponents), one for a public modulus, one for results,
    and an output buffer. Freed when the thread's local storage goes."""

    def __init__(self, api: _Api) -> None:
        self.api = api
        self.busy = False
        self.ctx = 0
        self.sec: list[int] = []
        self.pub = self.res = self.pub_base = self.pub_exp = 0
        self.pub_exp_value = -1  # the public exponent pub_exp holds (-1: none): RSA's e is 65537 on nearly every key
        try:
            self.ctx = int(api.BN_CTX_new() or 0)
            if not self.ctx:
                raise _fail(api, "BN_CTX_new")
            for _ in range(3):
                bn = api.BN_new()
                if not bn:
                    raise _fail(api, "BN_new")
                self.sec.append(int(bn))
                api.BN_set_flags(bn, _BN_FLG_CONSTTIME)
            self.pub = int(api.BN_new() or 0)
            self.res = int(api.BN_new() or 0)
            self.pub_base = int(api.BN_new() or 0)  # public operands (no BN_FLG_CONSTTIME): public_mod_exp
            self.pub_exp = int(api.BN_new() or 0)
            if not self.pub or not self.res or not self.pub_base or not self.pub_exp:
                raise _fail(api, "BN_new")
        except NativeError:
            self.free()
            raise
        self.buf = ctypes.create_string_buffer(_MAX_ELEMENT)
        self.addr = ctypes.addressof(self.buf)
        self.aes: dict[int, int] = {}  # key length -> AES-ECB encryption EVP_CIPHER_CTX*
        self.outl = _int()
        self.p_outl = ctypes.byref(self.outl)

    def wipe(self, used: int, bns: int = 3, result: bool = True) -> None:
        """Zero the first ``bns`` secret BIGNUMs (those a call loaded), the result BIGNUM
        (``result``) and the first ``used`` bytes of the buffer."""
        api = self.api
        for bn in self.sec[:bns]:
            api.BN_clear(bn)
        if result:
            api.BN_clear(self.res)
        if used:
            ctypes.memset(self.buf, 0, used)

    def free(self) -> None:
        api = self.api
        for bn in self.sec + [self.pub, self.res, self.pub_base, self.pub_exp]:
            if bn:
                api.BN_clear_free(bn)
        self.sec, self.pub, self.res, self.pub_base, self.pub_exp = [], 0, 0, 0, 0
        self.pub_exp_value = -1
        if self.ctx:
            api.BN_CTX_free(self.ctx)
            self.ctx = 0
        for c in getattr(self, "aes", {}).values():
            api.EVP_CIPHER_CTX_free(c)  # frees the key schedule with OPENSSL_clear_free
        self.aes = {}

    def __del__(self) -> None:
        try:
            self.free()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to free into
            pass


_LOCAL: Final = threading.local()


def _acquire(api: _Api) -> _Scratch:
    """This thread's scratch objects (a fresh set if a call on this thread is still using them)."""
    s: Optional[_Scratch] = getattr(_LOCAL, "scratch", None)
    if s is None:
        s = _LOCAL.scratch = _Scratch(api)
    elif s.busy:  # re-entered (a signal handler): never share objects with the interrupted call
        s = _Scratch(api)
    s.busy = True
    return s


def _release(s: _Scratch, used: int, bns: int = 3, result: bool = True) -> None:
    s.wipe(used, bns, result)
    s.busy = False
    if getattr(_LOCAL, "scratch", None) is not s:
        s.free()


# --- groups -------------------------------------------------------------------------

Params = tuple[int, int, int, int, int, int, int]  # p, a, b, gx, gy, n, h

# (p, a, b, n, h) -> (EC_GROUP*, its generator); the generator does not matter to variable-point products.
_GROUPS: Final[dict[tuple[int, int, int, int, int], tuple[int, tuple[int, int]]]] = {}
_GROUPS_LOCK: Final = threading.Lock()


def _new_group(api: _Api, oid: Optional[str], params: Params) -> int:
    p, a, b, gx, gy, n, h = params
    if oid is not None:
        nid = api.OBJ_txt2nid(oid.encode("ascii"))
        if nid:
            g = api.EC_GROUP_new_by_curve_name(nid)
            if g:
                return int(g)
    ctx = api.BN_CTX_new()
    bns: list[int] = []
    group = point = None
    try:
        for v in (p, a % p, b % p, n, h):
            bns.append(_bn(api, v, False))
        group = api.EC_GROUP_new_curve_GFp(bns[0], bns[1], bns[2], ctx)
        if not group:
            raise _fail(api, "EC_GROUP_new_curve_GFp")
        point = api.EC_POINT_new(group)
        enc = _encode(p, gx, gy)
        if not point or not api.EC_POINT_oct2point(group, point, enc, len(enc), ctx):
            raise _fail(api, "generator")
        if not api.EC_GROUP_set_generator(group, point, bns[3], bns[4]):
            raise _fail(api, "EC_GROUP_set_generator")
        out, group = int(group), None
        return out
    finally:
        if point:
            api.EC_POINT_free(point)
        if group:
            api.EC_GROUP_free(group)
        for bn in bns:
            api.BN_clear_free(bn)
        api.BN_CTX_free(ctx)


# params -> (EC_GROUP*, its generator is params' generator): the look-up of every call
_BY_PARAMS: Final[dict[Params, tuple[int, bool]]] = {}


def _group(api: _Api, oid: Optional[str], params: Params) -> tuple[int, bool, bool]:
    """(EC_GROUP*, its generator is params' generator, the caller must free it)."""
    known = _BY_PARAMS.get(params)
    if known is not None:
        return known[0], known[1], False
    p, a, b, gx, gy, n, h = params
    key = (p, a % p, b % p, n, h)
    with _GROUPS_LOCK:
        hit = _GROUPS.get(key)
        if hit is None:
            if len(_GROUPS) >= _MAX_GROUPS:
                return _new_group(api, oid, params), True, True
            hit = _GROUPS[key] = (_new_group(api, oid, params), (gx, gy))
        own = hit[1] == (gx, gy)
        if own and len(_BY_PARAMS) < _MAX_GROUPS:  # a curve with its own generator, not a one-off G'
            _BY_PARAMS[params] = (hit[0], own)
        return hit[0], own, False


def _encode(p: int, x: int, y: int) -> bytes:
    size = (p.bit_length() + 7) // 8
    return b"\x04" + x.to_bytes(size, "big") + y.to_bytes(size, "big")


def _point(api: _Api, group: int, p: int, xy: tuple[int, int], ctx: int) -> int:
    pt = api.EC_POINT_new(group)
    if not pt:
        raise _fail(api, "EC_POINT_new")
    enc = _encode(p, xy[0], xy[1])
    if not api.EC_POINT_oct2point(group, pt, enc, len(enc), ctx):
        api.EC_POINT_free(pt)
        raise _fail(api, "EC_POINT_oct2point")
    return int(pt)


def _affine(api: _Api, group: int, size: int, pt: int, s: _Scratch) -> Optional[tuple[int, int]]:
    """The affine coordinates of ``pt`` through ``s.buf`` (None: the identity)."""
    want = 1 + 2 * size
    written = api.EC_POINT_point2oct(group, pt, _POINT_CONVERSION_UNCOMPRESSED, s.buf, want, s.ctx)
    if written == 1 and api.EC_POINT_is_at_infinity(group, pt):  # the identity encodes as one byte 00
        return None
    if written != want:
        raise _fail(api, "EC_POINT_point2oct")
    raw = s.buf.raw
    return int.from_bytes(raw[1:1 + size], "big"), int.from_bytes(raw[1 + size:want], "big")


def _ladder(api: _Api, group: int, r: int, k: int, base: Optional[int], ctx: int) -> None:
    """r = k * base (base None: the group's generator); one scalar, so OpenSSL's ladder."""
    ok = api.EC_POINT_mul(group, r, k, None, None, ctx) if base is None else \
        api.EC_POINT_mul(group, r, None, base, k, ctx)
    if not ok:
        raise _fail(api, "EC_POINT_mul")


def _products(oid: Optional[str], params: Params, terms: tuple[tuple[int, Optional[tuple[int, int]]], ...]
              ) -> Optional[tuple[int, int]]:
    """The sum of k * P over ``terms`` ((k, P) with P None for the generator in ``params``),
    each product a single-scalar ``EC_POINT_mul`` (OpenSSL's constant-time path), 0 < k < n.

    One BN_CTX, the scalar BIGNUMs and the output buffer come from this thread's scratch;
    the points are created for the call and freed with EC_POINT_clear_free."""
    api = _api()
    p, gx, gy = params[0], params[3], params[4]
    size = (p.bit_length() + 7) // 8
    group, own_gen, free_group = _group(api, oid, params)
    s = _acquire(api)
    ctx = s.ctx
    points: list[int] = []
    try:
        acc = 0
        for i, (k, xy) in enumerate(terms):
            bn = s.sec[i]
            _set_bn(api, bn, k)
            base: Optional[int] = None
            if xy is None and not own_gen:
                xy = (gx, gy)
            if xy is not None:
                base = _point(api, group, p, xy, ctx)
                points.append(base)
            r = api.EC_POINT_new(group)
            if not r:
                raise _fail(api, "EC_POINT_new")
            points.append(int(r))
            _ladder(api, group, r, bn, base, ctx)
            if acc:
                total = api.EC_POINT_new(group)
                if not total:
                    raise _fail(api, "EC_POINT_new")
                points.append(int(total))
                if not api.EC_POINT_add(group, total, acc, r, ctx):
                    raise _fail(api, "EC_POINT_add")
                r = total
            acc = int(r)
        return _affine(api, group, size, acc, s)
    finally:
        for pt in points:
            api.EC_POINT_clear_free(pt)
        _release(s, 1 + 2 * size, len(terms), False)
        if free_group:
            api.EC_GROUP_free(group)


_string_at = ctypes.string_at
_memset = ctypes.memset


def _single(oid: Optional[str], params: Params, k: int, xy: Optional[tuple[int, int]],
            x_only: bool) -> Optional[bytes]:
    """k * P for ONE point (None: the generator in ``params``), 0 < k < n, as its uncompressed
    encoding (``x_only``: the x-coordinate alone, padded to the field size); None is the identity.

    The path of every PACE product: one ``EC_POINT_mul`` with one scalar (OpenSSL's
    constant-time ladder), the scalar in this thread's constant-time BIGNUM, the result read
    through the thread's buffer; the scalar, the buffer and both points are wiped before return.
    """
    api = _api()
    known = _BY_PARAMS.get(params)
    if known is not None:
        group, own_gen = known
        free_group = False
    else:
        group, own_gen, free_group = _group(api, oid, params)
    size = (params[0].bit_length() + 7) >> 3
    want = 1 + 2 * size
    if xy is None and not own_gen:
        xy = (params[3], params[4])
    s = _acquire(api)
    ctx, bn, buf = s.ctx, s.sec[0], s.buf
    base = r = 0
    try:
        raw = k.to_bytes(size + 1, "big")  # a fixed length: the scalar's size does not show here
        if not api.BN_bin2bn(raw, size + 1, bn):
            raise _fail(api, "BN_bin2bn")
        if xy is not None:
            enc = b"\x04" + xy[0].to_bytes(size, "big") + xy[1].to_bytes(size, "big")
            base = api.EC_POINT_new(group) or 0
            if not base or not api.EC_POINT_oct2point(group, base, enc, want, ctx):
                raise _fail(api, "EC_POINT_oct2point")
        r = api.EC_POINT_new(group) or 0
        if not r:
            raise _fail(api, "EC_POINT_new")
        ok = api.EC_POINT_mul(group, r, None, base, bn, ctx) if base else api.EC_POINT_mul(group, r, bn, None, None, ctx)
        if not ok:
            raise _fail(api, "EC_POINT_mul")
        written = api.EC_POINT_point2oct(group, r, _POINT_CONVERSION_UNCOMPRESSED, buf, want, ctx)
        if written != want:
            if written == 1 and api.EC_POINT_is_at_infinity(group, r):  # the identity encodes as one byte 00
                return None
            raise _fail(api, "EC_POINT_point2oct")
        return _string_at(s.addr + 1, size) if x_only else _string_at(s.addr, want)
    finally:
        if r:
            api.EC_POINT_clear_free(r)
        if base:
            api.EC_POINT_clear_free(base)
        api.BN_clear(bn)
        _memset(buf, 0, want)
        s.busy = False
        if getattr(_LOCAL, "scratch", None) is not s:
            s.free()
        if free_group:
            api.EC_GROUP_free(group)


def _xy(raw: Optional[bytes]) -> Optional[tuple[int, int]]:
    if raw is None:
        return None
    size = len(raw) >> 1
    return int.from_bytes(raw[1:1 + size], "big"), int.from_bytes(raw[1 + size:], "big")


def ec_mul(oid: Optional[str], params: Params, k: int, xy: tuple[int, int]) -> Optional[tuple[int, int]]:
    """k * (x, y) for a point of the curve and 0 < k < n; None is the identity."""
    return _xy(_single(oid, params, k, xy, False))


def ec_mul_x(oid: Optional[str], params: Params, k: int, xy: tuple[int, int]) -> Optional[bytes]:
    """The x-coordinate of k * (x, y), padded to the field size (ECKA, BSI TR-03111 §4.3.1), for a
    point of the curve and 0 < k < n; None when the product is the identity."""
    return _single(oid, params, k, xy, True)


def ec_mul_gen(oid: Optional[str], params: Params, k: int) -> Optional[tuple[int, int]]:
    """k * G for the generator in ``params`` and 0 < k < n."""
    return _xy(_single(oid, params, k, None, False))


def ec_mul_sum(oid: Optional[str], params: Params, k1: int, k2: int,
               xy: tuple[int, int]) -> Optional[tuple[int, int]]:
    """k1 * G + k2 * (x, y) with G the generator in ``params``, 0 < k1, k2 < n.

    Two single-scalar products (each OpenSSL's constant-time path) and one addition;
    a joint ``EC_POINT_mul`` would take the variable-time wNAF meant for public scalars.
    """
    return _products(oid, params, ((k1, None), (k2, xy)))


def mod_exp(base: int, exponent: int, modulus: int) -> int:
    """base^exponent mod modulus (odd modulus) with OpenSSL's constant-time Montgomery exponentiation."""
    return _mod_exp(base, exponent, modulus, public=False)


def public_mod_exp(base: int, exponent: int, modulus: int) -> int:
    """base^exponent mod modulus for public values only (an RSA public operation, RFC 8017
    §5.2.2 RSAVP1): OpenSSL's ``BN_mod_exp``, variable-time, none of its operands is secret.

    ``0 <= base < modulus``, ``modulus`` odd and > 1, ``exponent >= 0`` (else ValueError).
    """
    if not (modulus > 1 and modulus & 1 and exponent >= 0 and 0 <= base < modulus):
        raise ValueError("public_mod_exp: operands out of range")
    return _mod_exp(base, exponent, modulus, public=True)


def _mod_exp(base: int, exponent: int, modulus: int, *, public: bool) -> int:
    """One exponentiation in this thread's BIGNUMs: the constant-time ones (``BN_FLG_CONSTTIME``,
    ``BN_mod_exp_mont_consttime``, wiped after the call) or, ``public``, plain ones (``BN_mod_exp``)."""
    api = _api()
    size = (modulus.bit_length() + 7) // 8
    s = _acquire(api)
    out = s.buf if size <= len(s.buf) else ctypes.create_string_buffer(size)  # DH moduli above 2048 bits
    a, p = (s.pub_base, s.pub_exp) if public else (s.sec[0], s.sec[1])
    try:
        _set_bn(api, a, base)
        if not public:
            _set_bn(api, p, exponent)
        elif exponent != s.pub_exp_value:  # public: loaded again only when it changes
            s.pub_exp_value = -1
            _set_bn(api, p, exponent)
            s.pub_exp_value = exponent
        _set_bn(api, s.pub, modulus)
        if public:
            ok = api.BN_mod_exp(s.res, a, p, s.pub, s.ctx)
        else:
            ok = api.BN_mod_exp_mont_consttime(s.res, a, p, s.pub, s.ctx, None)
        if not ok:
            raise _fail(api, "BN_mod_exp" if public else "BN_mod_exp_mont_consttime")
        if api.BN_bn2binpad(s.res, out, size) != size:
            raise _fail(api, "BN_bn2binpad")
        return int.from_bytes(_string_at(out, size), "big")
    finally:
        if public:
            _release(s, 0, 0, False)
        else:
            if out is not s.buf:
                ctypes.memset(out, 0, size)
            _release(s, min(size, len(s.buf)), 2, True)


def pow_mod(base: int, exponent: int, modulus: int) -> int:
    """base^exponent mod modulus: :func:`mod_exp` for an odd modulus > 1 and exponent >= 0, else Python's pow."""
    if AVAILABLE and modulus > 1 and modulus & 1 and exponent >= 0:
        try:
            return mod_exp(base % modulus, exponent, modulus)
        except NativeError:
            pass
    return pow(base, exponent, modulus)


# --- AES key chain (Integrated Mapping PRF) --------------------------------------------

_AES_NAMES: Final = {16: b"AES-128-ECB", 24: b"AES-192-ECB", 32: b"AES-256-ECB"}
_AES_CIPHERS: Final[dict[int, int]] = {}  # key length -> fetched EVP_CIPHER* (kept for the process)
_ZERO_KEYS: Final = {n: bytes(n) for n in _AES_NAMES}


def _aes_ctx(api: _Api, s: _Scratch, klen: int) -> int:
    """This thread's AES-ECB encryption context for a key length (created once, padding off)."""
    ctx = s.aes.get(klen)
    if ctx:
        return ctx
    with _GROUPS_LOCK:
        cipher = _AES_CIPHERS.get(klen)
        if not cipher:
            cipher = _AES_CIPHERS[klen] = int(api.EVP_CIPHER_fetch(None, _AES_NAMES[klen], None) or 0)
    if not cipher:
        raise _fail(api, "EVP_CIPHER_fetch")
    ctx = int(api.EVP_CIPHER_CTX_new() or 0)
    if not ctx:
        raise _fail(api, "EVP_CIPHER_CTX_new")
    if not api.EVP_CipherInit_ex(ctx, cipher, None, _ZERO_KEYS[klen], None, 1) \
            or not api.EVP_CIPHER_CTX_set_padding(ctx, 0):
        api.EVP_CIPHER_CTX_free(ctx)
        raise _fail(api, "EVP_CipherInit_ex")
    s.aes[klen] = ctx
    return ctx


def aes_key_chain(key: bytes, first: bytes, data: bytes, rounds: int) -> bytes:
    """The chain of the Integrated Mapping PRF (ICAO 9303-11 §4.4.3.3.2, Figure 2) for 16-byte
    keys and blocks: k_0 = E(key, first), then ``rounds`` times E(k_i, data) = x_i || k_(i+1)
    (AES-ECB; ``data`` two blocks, the next key the second); returns x_0 || ... || x_(rounds-1).

    A new key every two blocks: one thread context re-keyed for every k_i costs about 40 % of
    a pyca cipher object per key (the re-keying is cheap, creating a context is not). The
    context is left with an all-zero key and the output buffer zeroed before return.
    """
    if len(key) != 16 or len(first) != 16 or len(data) != 32 or not 0 < rounds <= 64:
        raise ValueError("the key chain takes a 16-byte key, one block, two blocks and 1 to 64 rounds")
    api = _api()
    s = _acquire(api)
    ctx = 0
    init, update, buf, p_outl, outl, addr = (api.EVP_CipherInit_ex, api.EVP_CipherUpdate, s.buf, s.p_outl,
                                              s.outl, s.addr)
    try:
        ctx = _aes_ctx(api, s, 16)
        if not init(ctx, None, None, key, None, 1) or not update(ctx, buf, p_outl, first, 16) or outl.value != 16:
            raise _fail(api, "EVP_CipherUpdate")
        k = _string_at(addr, 16)
        out = []
        for _ in range(rounds):
            if not init(ctx, None, None, k, None, 1) or not update(ctx, buf, p_outl, data, 32) or outl.value != 32:
                raise _fail(api, "EVP_CipherUpdate")
            out.append(_string_at(addr, 16))
            k = _string_at(addr + 16, 16)
        return b"".join(out)
    finally:
        if ctx:
            init(ctx, None, None, _ZERO_KEYS[16], None, 1)
        _memset(buf, 0, 32)
        s.busy = False
        if getattr(_LOCAL, "scratch", None) is not s:
            s.free()
