"""``@frozen_dataclass`` (cccd_chip/frozen.py) makes the class ``@dataclass(frozen=True)`` makes.

Each class is built twice from the same definition, once by each decorator, and everything a user of
a frozen dataclass can see is compared: instances (repr, ==, hash, FrozenInstanceError on assignment
and deletion, ``__post_init__``), constructor signatures, defaults, annotations and argument errors,
``fields()``, ``replace()``, ``asdict()``, ``astuple()``, pickling and copying, the recorded
parameters, ``__match_args__``, the methods' names. Random shapes (hypothesis) cover the compiled
``__init__`` templates; the project's own classes are compared with twins made from their source.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import math
import pickle
import sys
import textwrap
from dataclasses import FrozenInstanceError, InitVar, dataclass, field
from typing import Any, Callable, ClassVar, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cccd_chip.frozen as frozen_mod
from testsupport.native import native_modules
from cccd_chip.frozen import frozen_dataclass

REAL = dataclass(frozen=True)
DECORATORS = {"dataclass": REAL, "frozen_dataclass": frozen_dataclass}


def made_by_frozen(cls: type) -> bool:
    """True when ``cls`` was built by frozen_dataclass itself (not handed on to dataclass)."""
    return cls.__setattr__.__code__.co_filename == frozen_mod.__file__


def outcome(fn: Callable[[], Any]) -> tuple[str, str]:
    """The repr of ``fn()``'s result, or the type and text of what it raised (compared between the twins)."""
    try:
        return "ok", repr(fn())
    except Exception as e:  # compared, not handled
        return type(e).__name__, str(e)


def observe(cls: type, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """What user code can see of ``cls`` and of one instance made with ``args``/``kwargs``."""
    seen: dict[str, Any] = {
        "signature": str(inspect.signature(cls)),
        "init annotations": getattr(cls.__init__, "__annotations__", None),
        "init defaults": getattr(cls.__init__, "__defaults__", None),
        "init kwdefaults": getattr(cls.__init__, "__kwdefaults__", None),
        "params": repr(cls.__dataclass_params__),
        "match_args": cls.__match_args__,
        "doc": cls.__doc__,
        "fields": [(f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.hash, f.compare, f.metadata,
                    f.kw_only) for f in dataclasses.fields(cls)],
        "all fields": list(cls.__dataclass_fields__),
        "class attributes": {f.name: getattr(cls, f.name, "<absent>") for f in dataclasses.fields(cls)},
        "qualnames": {m: getattr(cls, m).__qualname__ for m in ("__init__", "__repr__", "__eq__", "__setattr__",
                                                                  "__delattr__") if m in cls.__dict__},
        "modules": {m: getattr(cls, m).__module__ for m in ("__init__", "__repr__", "__eq__", "__setattr__")
                    if m in cls.__dict__},
        "hash is None": cls.__hash__ is None,
        "new": outcome(lambda: cls(*args, **kwargs)),
    }
    if seen["new"][0] != "ok":
        return seen
    obj = cls(*args, **kwargs)
    twin = cls(*args, **kwargs)
    seen.update({
        "repr": outcome(lambda: obj),
        "eq twin": outcome(lambda: obj == twin), "ne twin": outcome(lambda: obj != twin),
        "eq other type": outcome(lambda: obj == object()), "eq self": outcome(lambda: obj == obj),
        "__eq__ other": outcome(lambda: obj.__eq__(1)),
        "hash": outcome(lambda: hash(obj)), "hash twin": outcome(lambda: hash(obj) == hash(twin)),
        "state": dict(obj.__dict__),
        "set field": outcome(lambda: setattr(obj, next(iter(obj.__dict__), "x"), 1)),
        "set other": outcome(lambda: setattr(obj, "other", 1)),
        "del field": outcome(lambda: delattr(obj, next(iter(obj.__dict__), "x"))),
        "del other": outcome(lambda: delattr(obj, "other")),
        "state after": dict(obj.__dict__),
        "replace": outcome(lambda: repr(dataclasses.replace(obj))),
        "asdict": outcome(lambda: dataclasses.asdict(obj)),
        "astuple": outcome(lambda: dataclasses.astuple(obj)),
        "copy": outcome(lambda: copy.copy(obj) == obj), "deepcopy": outcome(lambda: copy.deepcopy(obj) == obj),
        "is_dataclass": (dataclasses.is_dataclass(obj), dataclasses.is_dataclass(cls)),
        "wrong calls": [outcome(lambda: cls(*args, *range(30))), outcome(lambda: cls(*args, no_such_field=1)),
                        outcome(lambda: cls())],
    })
    return seen


# --- hand-written classes: every feature of a frozen dataclass the project may use ----------------------


def point(deco: Callable[[type], type]) -> type:
    @deco
    class Point:
        """A point with every kind of field."""

        x: int
        y: bytes = b""
        tags: tuple[str, ...] = field(default_factory=tuple)
        note: Optional[str] = field(default=None, repr=False, compare=False)
        cache: list[int] = field(init=False, default_factory=list, repr=False, hash=False)
        double: int = field(init=False, default=0)
        meta: str = field(default="m", metadata={"unit": "mm"}, hash=False)
        LIMIT: ClassVar[int] = 3

        def __post_init__(self) -> None:
            object.__setattr__(self, "double", self.x * 2)

        def norm(self) -> int:
            return abs(self.x)

    return Point


def empty(deco: Callable[[type], type]) -> type:
    @deco
    class Empty:
        """No field at all."""

    return Empty


def single(deco: Callable[[type], type]) -> type:
    @deco
    class Single:
        """One field: the generated methods compare and hash the 1-tuple (x,)."""

        x: Any

    return Single


def self_named(deco: Callable[[type], type]) -> type:
    @deco
    class SelfNamed:
        """A field named ``self`` (the generated __init__ names its first parameter otherwise)."""

        self: int
        other: int = 2

    return SelfNamed


def own_methods(deco: Callable[[type], type]) -> type:
    @deco
    class OwnMethods:
        """Its own __eq__ and __repr__ are kept; __hash__ is generated (eq in the class body sets it None)."""

        a: int
        b: int = 0

        def __eq__(self, other: object) -> bool:
            return isinstance(other, OwnMethods) and other.a == self.a

        def __repr__(self) -> str:
            return f"<{self.a}>"

    return OwnMethods


def own_hash(deco: Callable[[type], type]) -> type:
    @deco
    class OwnHash:
        """An explicit __hash__ is kept."""

        a: int

        def __hash__(self) -> int:
            return 7

    return OwnHash


def own_init(deco: Callable[[type], type]) -> type:
    @deco
    class OwnInit:
        """Its own __init__ writes the instance dict (verify/report.py CheckResult does)."""

        a: int
        b: str = ""

        def __init__(self, a: int, b: str = "") -> None:
            self.__dict__.update(a=a, b=b)

    return OwnInit


def unhashable(deco: Callable[[type], type]) -> type:
    @deco
    class Unhashable:
        """A list field: the instance hashes like the generated __hash__ does (TypeError)."""

        items: list[int] = field(default_factory=list)

    return Unhashable


def no_doc(deco: Callable[[type], type]) -> type:
    @deco
    class NoDoc:
        a: int = 1

    return NoDoc


def with_initvar(deco: Callable[[type], type]) -> type:
    @deco
    class WithInitVar:
        """An InitVar: handed to dataclass(frozen=True)."""

        a: int
        scale: InitVar[int] = 1

        def __post_init__(self, scale: int) -> None:
            object.__setattr__(self, "a", self.a * scale)

    return WithInitVar


def own_match_args(deco: Callable[[type], type]) -> type:
    @deco
    class OwnMatchArgs:
        """Its own __match_args__ (naming no field) is kept."""

        a: int
        __match_args__ = ("double",)

        @property
        def double(self) -> int:
            return 2 * self.a

    return OwnMatchArgs


def reserved_name(deco: Callable[[type], type]) -> type:
    @deco
    class ReservedName:
        """A field named like the compiled __init__'s own names: handed to dataclass(frozen=True)."""

        __frozen_setattr__: int
        b: int = 1

    return ReservedName


def with_kw_only(deco: Callable[[type], type]) -> type:
    @deco
    class WithKwOnly:
        """Keyword-only fields: handed to dataclass(frozen=True)."""

        a: int
        _: dataclasses.KW_ONLY
        b: int = 2

    return WithKwOnly


class _Recorded:
    """A data descriptor: ``object.__setattr__`` calls its ``__set__`` (an instance-dict write would not)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = "_" + name

    def __get__(self, obj: Any, owner: Optional[type] = None) -> Any:
        return self if obj is None else obj.__dict__.get(self.name, "unset")

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = ("set", value)


class _DescriptorBase:
    """A plain base class holding a data descriptor under the name of a dataclass field."""

    a = _Recorded()


def descriptor_field(deco: Callable[[type], type]) -> type:
    @deco
    class DescriptorField(_DescriptorBase):
        """Field ``a`` is a data descriptor of the base: __init__ must go through it (object.__setattr__)."""

        a: Any
        b: int = 0

    return DescriptorField


def own_getattribute(deco: Callable[[type], type]) -> type:
    @deco
    class OwnGetattribute:
        """Its own __getattribute__ (which ``self.__dict__`` would call): __init__ keeps object.__setattr__."""

        a: int
        b: int = 0

        def __getattribute__(self, name: str) -> Any:
            if name == "__dict__":
                return {}
            return object.__getattribute__(self, name)

    return OwnGetattribute


CASES = [
    (point, (3,), {"note": "n", "tags": ("t",)}), (point, (-1, b"y"), {}), (empty, (), {}),
    (single, (1,), {}), (single, (math.nan,), {}), (single, ([1],), {}), (self_named, (), {"self": 1}),
    (own_methods, (1, 2), {}), (own_hash, (1,), {}), (own_init, (1,), {"b": "x"}), (unhashable, ([1],), {}),
    (no_doc, (), {}), (own_match_args, (4,), {}), (with_initvar, (2,), {"scale": 3}),
    (with_kw_only, (1,), {"b": 5}), (reserved_name, (3,), {}), (descriptor_field, (1, 2), {}),
    (own_getattribute, (1,), {"b": 2}),
]


@pytest.mark.parametrize(("make", "args", "kwargs"), CASES, ids=[c[0].__name__ for c in CASES])
def test_the_same_class_as_dataclass_frozen(make, args, kwargs):
    real, ours = (observe(make(d), *args, **kwargs) for d in DECORATORS.values())
    assert ours == real or _nan_equal(ours, real)


def _nan_equal(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal but for NaN values (nan != nan in the compared state dicts)."""
    return repr(a) == repr(b)


def test_nan_field_compares_like_the_generated_tuple():
    nan = math.nan
    for deco in DECORATORS.values():
        cls = single(deco)
        assert cls(nan) == cls(nan)  # (nan,) == (nan,): the same object, equal in a tuple
        assert cls(nan) != cls(float("nan"))


def test_which_classes_it_builds_itself():
    assert all(made_by_frozen(make(frozen_dataclass)) for make in (point, empty, single, self_named, own_methods,
                                                                    own_hash, own_init, unhashable, own_match_args))
    assert made_by_frozen(no_doc(frozen_dataclass))
    assert not any(made_by_frozen(make(frozen_dataclass)) for make in (with_initvar, with_kw_only, reserved_name))


def test_init_writes_the_instance_dict_unless_a_descriptor_or_getattribute_is_in_the_way():
    def writes_dict(cls: type) -> bool:
        return "__frozen_dict__" in cls.__init__.__code__.co_varnames

    assert writes_dict(point(frozen_dataclass)) and writes_dict(self_named(frozen_dataclass))
    assert not writes_dict(descriptor_field(frozen_dataclass)) and not writes_dict(own_getattribute(frozen_dataclass))
    assert descriptor_field(frozen_dataclass)(1, 2).a == ("set", 1) == descriptor_field(REAL)(1, 2).a
    assert own_getattribute(frozen_dataclass)(1).a == 1


def test_recursive_repr_is_cut():
    for deco in DECORATORS.values():
        cls = single(deco)
        box: list[Any] = []
        obj = cls(box)
        box.append(obj)
        assert repr(obj) == "test_recursive_repr_is_cut.<locals>.Single(x=[...])".replace(
            "test_recursive_repr_is_cut.<locals>.", "single.<locals>.")


def test_inheritance_as_dataclass():
    """A frozen subclass of one of its classes is made by dataclass itself, with the base's fields; a
    non-frozen dataclass subclass is refused as dataclass refuses it."""
    base = point(frozen_dataclass)

    @frozen_dataclass
    class Sub(base):  # type: ignore[valid-type, misc]
        """A subclass."""

        z: int = 0

    assert not made_by_frozen(Sub)
    assert [f.name for f in dataclasses.fields(Sub)][-1] == "z"
    assert Sub(1, z=4).double == 2
    with pytest.raises(FrozenInstanceError):
        Sub(1).z = 3  # type: ignore[misc]
    with pytest.raises(TypeError, match="cannot inherit non-frozen dataclass from a frozen one"):
        dataclass(type("Loose", (base,), {"__doc__": "x", "__annotations__": {"w": "int"}, "w": 0}))


def test_field_order_errors_as_dataclass():
    ns = {"__doc__": "x", "__annotations__": {"a": "int", "b": "int"}, "a": 1}
    errors = [outcome(lambda d=d: d(type("Bad", (), dict(ns)))) for d in DECORATORS.values()]
    assert errors[0] == errors[1] == ("TypeError", "non-default argument 'b' follows default argument")
    ns = {"__doc__": "x", "__annotations__": {"a": "int"}, "b": field(default=1)}
    errors = [outcome(lambda d=d: d(type("Bad", (), dict(ns)))) for d in DECORATORS.values()]
    assert errors[0] == errors[1] == ("TypeError", "'b' is a field but has no type annotation")
    ns = {"__doc__": "x", "__annotations__": {"a": "list"}, "a": []}
    errors = [outcome(lambda d=d: d(type("Bad", (), dict(ns)))) for d in DECORATORS.values()]
    assert errors[0] == errors[1] and "mutable default" in errors[0][1]
    ns = {"__doc__": "x", "__annotations__": {"a": "int"}, "__setattr__": lambda self, n, v: None}
    errors = [outcome(lambda d=d: d(type("Bad", (), dict(ns)))) for d in DECORATORS.values()]
    assert errors[0] == errors[1] == ("TypeError", "Cannot overwrite attribute __setattr__ in class Bad")


@frozen_dataclass
class Pickled:
    """Module level: pickle finds the class by name."""

    a: int
    b: tuple[int, ...] = ()


def test_pickle_and_copy():
    obj = Pickled(1, (2,))
    assert pickle.loads(pickle.dumps(obj)) == obj
    assert copy.deepcopy(obj) == obj and copy.copy(obj) is not obj


# --- random shapes: the compiled __init__ templates -------------------------------------------------------

KINDS = ("plain", "default", "factory", "noinit-default", "noinit-factory", "noinit")
FACTORIES = [lambda i=i: 200 + i for i in range(10)]  # shared by both builds: fields() compares them
NOINIT_FACTORIES = [lambda i=i: 400 + i for i in range(10)]
FLAGS = st.fixed_dictionaries({"repr": st.booleans(), "compare": st.booleans(),
                               "hash": st.sampled_from([None, True, False])})


def build(deco: Callable[[type], type], spec: list[tuple[str, dict[str, Any]]], post_init: bool) -> type:
    """A class with one field per ``spec`` entry (f0, f1, ...), all ``int``."""
    ns: dict[str, Any] = {"__doc__": "random shape", "__module__": __name__, "__qualname__": "Shape",
                          "__annotations__": {}}
    for i, (kind, flags) in enumerate(spec):
        name = f"f{i}"
        ns["__annotations__"][name] = "int"
        if kind == "default":
            ns[name] = field(default=100 + i, **flags)
        elif kind == "factory":
            ns[name] = field(default_factory=FACTORIES[i], **flags)
        elif kind == "noinit-default":
            ns[name] = field(init=False, default=300 + i, **flags)
        elif kind == "noinit-factory":
            ns[name] = field(init=False, default_factory=NOINIT_FACTORIES[i], **flags)
        elif kind == "noinit":
            ns[name] = field(init=False, **flags)
        else:
            ns[name] = field(**flags)
    if post_init:
        def __post_init__(self: Any) -> None:
            object.__setattr__(self, "post", sorted(self.__dict__))
        ns["__post_init__"] = __post_init__
    return deco(type("Shape", (), ns))


@settings(max_examples=150, deadline=None)
@given(spec=st.lists(st.tuples(st.sampled_from(KINDS), FLAGS), max_size=9), post_init=st.booleans(),
       given_args=st.lists(st.integers(-5, 5), max_size=10), as_keywords=st.booleans())
def test_random_shapes(spec, post_init, given_args, as_keywords):
    made = [outcome(lambda d=d: build(d, spec, post_init)) for d in DECORATORS.values()]
    assert made[0][0] == made[1][0] and (made[0][0] == "ok" or made[0] == made[1])  # the same class, or error
    if made[0][0] != "ok":
        return
    real, ours = (build(d, spec, post_init) for d in DECORATORS.values())
    params = [n for n in inspect.signature(real).parameters]
    values = dict(zip(params, given_args))
    args, kwargs = ((), values) if as_keywords else (tuple(values.values()), {})
    assert observe(ours, *args, **kwargs) == observe(real, *args, **kwargs)


def test_templates_are_shared_by_shape():
    spec = [("plain", {}), ("default", {}), ("factory", {})]
    build(frozen_dataclass, spec, False)
    count = len(frozen_mod._TEMPLATES)
    other = build(frozen_dataclass, [("plain", {"repr": False}), ("plain", {}), ("factory", {"compare": False})],
                  False)
    assert len(frozen_mod._TEMPLATES) == count  # same kinds of fields: the compiled body is reused
    assert other(1, 2).f2 == 202 and other(1, 2, 5).f2 == 5


# --- the project's classes: each compared with a twin made by dataclass(frozen=True) from its source -------

VERIFY_PATH = [
    "cccd_chip.evidence", "cccd_chip.document", "cccd_chip.iso7816.tlv", "cccd_chip.lds.security_infos",
    "cccd_chip.lds.cms", "cccd_chip.lds.sod", "cccd_chip.lds.dg1", "cccd_chip.lds.dg14", "cccd_chip.lds.com",
    "cccd_chip.lds.mrz", "cccd_chip.lds.registry", "cccd_chip.lds.card_security", "cccd_chip.crypto.signatures",
    "cccd_chip.crypto.ec", "cccd_chip.crypto.dh", "cccd_chip.crypto.domain_params", "cccd_chip.crypto.cam_check",
    "cccd_chip.crypto.key_integers", "cccd_chip.pki.certificate", "cccd_chip.pki.crl", "cccd_chip.pki.known_cscas",
    "cccd_chip.pki.signed_data", "cccd_chip.pki.trust_store", "cccd_chip.verify.report",
    "cccd_chip.verify.passive", "cccd_chip.verify.algorithms", "cccd_chip.verify.active_auth",
]


def project_classes(compiled: bool = False) -> list[type]:
    """The frozen dataclasses of VERIFY_PATH: those of the modules mypyc compiles, or the others."""
    out = []
    native = set(native_modules())
    for name in VERIFY_PATH:
        if (name in native) != compiled:
            continue
        module = importlib.import_module(name)
        out += [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == name
                and "__dataclass_fields__" in c.__dict__ and c.__dataclass_params__.frozen]
    return out


def test_the_verify_path_uses_frozen_dataclass():
    """Every frozen dataclass of the modules a one-dump `cccd verify` imports and mypyc does not
    compile is made by frozen_dataclass (a new one written with @dataclass(frozen=True) would
    cost ~0.5 ms of every process's start)."""
    classes = project_classes()
    assert len(classes) >= 5
    assert [c.__qualname__ for c in classes if not made_by_frozen(c)] == []


def test_the_compiled_modules_use_dataclass_with_a_frozen_value_base():
    """In the modules mypyc compiles, each frozen dataclass is a plain ``dataclass(frozen=True)``
    (mypyc knows its ``__init__``, ``__eq__`` and ``__hash__``; it makes no sense of
    frozen_dataclass's) based on FrozenValue, so it pickles and unpickles (cccd_chip/values.py)."""
    from cccd_chip.values import FrozenValue

    classes = project_classes(compiled=True)
    assert len(classes) >= 40
    assert [c.__qualname__ for c in classes if made_by_frozen(c)] == []
    assert [c.__qualname__ for c in classes if not issubclass(c, FrozenValue)] == []


def twin(cls: type) -> type:
    """``cls`` defined again from its source, by ``dataclass(frozen=True)``, in a copy of its module's namespace."""
    src = textwrap.dedent(inspect.getsource(cls))
    assert src.startswith("@frozen_dataclass\n"), cls
    ns = dict(vars(sys.modules[cls.__module__]))
    ns["frozen_dataclass"] = REAL
    exec(compile(src, inspect.getsourcefile(cls) or "?", "exec"), ns)
    made: type = ns[cls.__name__]
    assert not made_by_frozen(made)
    return made


def shape_of(cls: type) -> dict[str, Any]:
    """What both classes must have alike, without calling __init__ (its checks want real values): the
    signature and fields, then an instance whose fields are set directly (ints: hashable, equal)."""
    def instance(c: type, values: dict[str, Any]) -> Any:
        obj = object.__new__(c)
        obj.__dict__.update(values)
        return obj

    values = {f.name: i for i, f in enumerate(dataclasses.fields(cls))}
    a, b = instance(cls, values), instance(cls, values)
    other = instance(cls, {**values, **{n: -1 for n in list(values)[:1]}})
    return {
        "signature": str(inspect.signature(cls)), "defaults": cls.__init__.__defaults__,
        "annotations": cls.__init__.__annotations__, "params": repr(cls.__dataclass_params__),
        "match_args": cls.__match_args__,
        "fields": [(f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.hash, f.compare, f.metadata)
                   for f in dataclasses.fields(cls)],
        "repr": repr(a), "eq": (a == b, a == other, a != b), "hash": outcome(lambda: hash(a) == hash(b)),
        "hash value": outcome(lambda: hash(a)),
        "set": outcome(lambda: setattr(a, "x", 1)), "del": outcome(lambda: delattr(a, next(iter(values), "x"))),
        "qualnames": [getattr(cls, m).__qualname__ for m in ("__init__", "__repr__", "__eq__", "__setattr__")],
    }


@pytest.mark.parametrize("cls", project_classes(), ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_project_class_matches_its_dataclass_twin(cls):
    assert shape_of(cls) == shape_of(twin(cls))


def test_own_inits_of_compiled_classes_match_their_fields():
    """Classes of the compiled modules written ``@dataclass(frozen=True, init=False)`` carry their own
    ``__init__`` (mypyc compiles it to stores into the slots; values.py): read from the source, its
    parameters are the fields in order with their annotations and defaults, and its body stores each
    one, once, under its own name (a field added without its parameter would stay unset)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    seen = 0
    for module in native_modules():
        tree = ast.parse((root / (module.replace(".", "/") + ".py")).read_text())
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            if not any(ast.unparse(d) == "dataclass(frozen=True, init=False)" for d in cls.decorator_list):
                continue
            seen += 1
            fields = [s for s in cls.body if isinstance(s, ast.AnnAssign)]
            init = next(s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__")
            params = init.args.args[1:]
            assert [a.arg for a in params] == [f.target.id for f in fields], cls.name
            assert [ast.unparse(a.annotation) for a in params] == [ast.unparse(f.annotation) for f in fields], cls.name
            defaults = [None] * (len(params) - len(init.args.defaults)) + [ast.unparse(d) for d in init.args.defaults]
            for f, d in zip(fields, defaults):
                v = f.value
                if isinstance(v, ast.Call) and ast.unparse(v.func) == "field":
                    v = next((k.value for k in v.keywords if k.arg == "default"), None)
                assert (None if v is None else ast.unparse(v)) == d, (cls.name, f.target.id)
            stores = [ast.unparse(s) for s in init.body if not isinstance(s, ast.Expr) or "__setattr__" in ast.unparse(s)]
            assert stores == [f"object.__setattr__(self, '{f.target.id}', {f.target.id})" for f in fields], cls.name
    assert seen >= 15
