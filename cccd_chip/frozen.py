"""``@frozen_dataclass``: ``@dataclasses.dataclass(frozen=True)``, created without compiling per class (issue 13).

The toolkit's values are frozen dataclasses (~50 of them on the path of a one-dump
``cccd verify``). On Python 3.11 ``dataclass(frozen=True)`` writes the source of six
methods per class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``) and compiles each with ``exec`` when the module is imported: ~0.5 ms a
class, ~27 ms of a ~150 ms process. This decorator makes the same class for less:

- the fields are still found by :func:`dataclasses.dataclass` itself (called with
  ``init=False, repr=False, eq=False``, which generates no method): ``__dataclass_fields__``,
  the class defaults, ``__match_args__``, :func:`dataclasses.fields`, ``replace``,
  ``asdict``, ``is_dataclass`` are the standard ones, and ``__dataclass_params__`` is the
  one ``dataclass(frozen=True)`` records;
- ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__`` and ``__delattr__`` are closures over
  the class's field names (``operator.attrgetter`` builds the tuples the generated
  methods compare and hash): the same results, the same exceptions
  (:class:`dataclasses.FrozenInstanceError`), nothing compiled;
- ``__init__`` (the one method whose speed matters: every parsed value calls it) is the
  generated one's code, compiled once per *shape* (number of fields, which have a default
  factory, ``__post_init__``) and given each class's parameter and field names with
  ``code.replace``: ~15 compilations for the ~50 classes instead of ~300. Its signature,
  defaults (``<factory>`` included), annotations and argument errors are those of the
  generated one. It stores the fields into the instance's ``__dict__`` (in field order)
  instead of calling ``object.__setattr__`` per field, which is what that call does for an
  attribute no data descriptor of the class handles (~40 % less per object: a SOD parse
  makes ~15 of them, a report ~30); a class with a data descriptor under a field's name
  keeps the ``object.__setattr__`` body.

Rules as for ``dataclass(frozen=True)``; a class this module does not build itself
(one with a dataclass base, ``InitVar`` or keyword-only fields, its own
``__setattr__``/``__delattr__``, ``__slots__``, a field named ``__frozen_*``) is handed to
``dataclass(frozen=True)`` unchanged. ``tests/unit/test_frozen.py`` compares both on the same classes.
"""

from __future__ import annotations

import abc
import dataclasses
import inspect
import reprlib
import sys
import types
from dataclasses import MISSING, Field, FrozenInstanceError
from operator import attrgetter
from typing import Any, Callable, TypeVar, dataclass_transform

__all__ = ["frozen_dataclass"]

_C = TypeVar("_C", bound=type)


@dataclasses.dataclass(frozen=True)
class _Reference:
    """A class made by ``dataclass(frozen=True)``: its parameters and its default-factory marker are reused."""

    value: tuple[int, ...] = dataclasses.field(default_factory=tuple)


_PARAMS = getattr(_Reference, "__dataclass_params__")
_FACTORY: object = (_Reference.__init__.__defaults__ or ())[0]  # dataclasses' "<factory>" marker

# names the compiled __init__ uses besides its parameters (a field may not take them)
_SETATTR, _MARKER, _DEFAULT = "__frozen_setattr__", "__frozen_factory_marker__", "__frozen_default_{}__"


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, Field))
def frozen_dataclass(cls: _C) -> _C:
    """``dataclass(frozen=True)`` for ``cls`` (module docstring): the same class, made without ``exec`` per method."""
    own = cls.__dict__
    annotations = own.get("__annotations__", {})
    if ("__setattr__" in own or "__delattr__" in own or "__slots__" in own
            or any(hasattr(b, "__dataclass_fields__") for b in cls.__mro__[1:])
            or any(_maybe_initvar_or_kw_only(t) for t in annotations.values())
            or any(name.startswith("__frozen_") for name in annotations)  # the compiled __init__'s own names
            or any(isinstance(v, Field) and v.kw_only is True for v in own.values())):
        # typeshed types dataclass(...)(cls) as type[Any], not as the class it returns
        return dataclasses.dataclass(frozen=True)(cls)  # type: ignore[return-value]
    no_doc = not getattr(cls, "__doc__")
    class_hash = own.get("__hash__", MISSING)
    explicit_hash = not (class_hash is MISSING or (class_hash is None and "__eq__" in own))
    dataclasses.dataclass(init=False, repr=False, eq=False)(cls)  # the fields; no method is generated
    fields = dataclasses.fields(cls)  # the real fields: the other entries of __dataclass_fields__ are ClassVars
    if any(f.kw_only for f in fields):  # (InitVars and keyword-only fields went to dataclass above)
        raise TypeError(f"frozen_dataclass: {cls.__name__} has keyword-only fields; "
                        "use dataclasses.dataclass(frozen=True)")
    setattr(cls, "__dataclass_params__", _PARAMS)
    names = tuple(f.name for f in fields)
    if "__init__" not in own:
        _set_method(cls, _init(cls, fields))
    if "__repr__" not in own:
        _set_method(cls, _repr(tuple(f.name for f in fields if f.repr)))
    if "__eq__" not in own:
        _set_method(cls, _eq(_getter(tuple(f.name for f in fields if f.compare))))
    setattr_, delattr_ = _frozen(cls, frozenset(names))
    _set_method(cls, setattr_)
    _set_method(cls, delattr_)
    if not explicit_hash:
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        _set_method(cls, _hash(_getter(hashed)))
    if no_doc:  # as dataclass writes it: "Name(a: 'int', b: 'str' = '')"
        try:
            cls.__doc__ = cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
        except (TypeError, ValueError):
            cls.__doc__ = cls.__name__
    abc.update_abstractmethods(cls)
    return cls


def _maybe_initvar_or_kw_only(annotation: object) -> bool:
    """True for an annotation that may declare an InitVar or the KW_ONLY marker (then the real decorator decides)."""
    if isinstance(annotation, str):
        return "InitVar" in annotation or "KW_ONLY" in annotation
    return (annotation is dataclasses.KW_ONLY or annotation is dataclasses.InitVar
            or isinstance(annotation, dataclasses.InitVar))


def _set_method(cls: type, fn: Callable[..., Any]) -> None:
    """Install ``fn`` under its name, named as the generated methods are (``Class.__name__``, the class's module)."""
    fn.__qualname__ = f"{cls.__qualname__}.{fn.__name__}"
    fn.__module__ = cls.__module__
    setattr(cls, fn.__name__, fn)


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple ``(obj.a, obj.b, ...)`` the generated ``__eq__``/``__hash__`` build, for ``names``."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        name: str = self.__class__.__qualname__
        return name + "(" + ", ".join([f"{n}={getattr(self, n)!r}" for n in names]) + ")"
    return __repr__


def _eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented
    return __eq__


def _hash(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))
    return __hash__


def _frozen(cls: type, names: frozenset[str]) -> tuple[Callable[..., None], Callable[..., None]]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)  # type: ignore[arg-type]  # mypy: cls is a type

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)  # type: ignore[arg-type]  # mypy: cls is a type
    return __setattr__, __delattr__


# --- __init__: one compiled body per shape, renamed per class -------------------------------------

_TEMPLATES: dict[tuple[tuple[str, ...], bool, bool], types.CodeType] = {}


def _init(cls: type, fields: tuple[Field[Any], ...]) -> Callable[..., None]:
    """The ``__init__`` dataclass(frozen=True) would generate for ``fields``, from the template of their shape.

    Per field, in order: ``p`` a parameter, ``f`` a parameter with a default factory, ``x`` no
    parameter but a default factory (called); a field with ``init=False`` and no factory is
    left to its class attribute, as the generated ``__init__`` does.
    """
    kinds: list[str] = []
    assigned: list[Field[Any]] = []
    params: list[Field[Any]] = []
    seen_default = False
    for f in fields:
        factory = f.default_factory is not MISSING
        if f.init:
            if factory or f.default is not MISSING:
                seen_default = True
            elif seen_default:
                raise TypeError(f"non-default argument {f.name!r} follows default argument")
            params.append(f)
            kinds.append("f" if factory else "p")
            assigned.append(f)
        elif factory:
            kinds.append("x")
            assigned.append(f)
    post_init = hasattr(cls, "__post_init__")
    plain = "__getattribute__" not in _defined_in_mro(cls) and not any(_data_descriptor(cls, f.name) for f in assigned)
    shape = (tuple(kinds), post_init, plain)
    template = _TEMPLATES.get(shape)
    if template is None:
        template = _TEMPLATES[shape] = _compile_template(shape)
    self_name = "__dataclass_self__" if "self" in getattr(cls, "__dataclass_fields__") else "self"
    param_names = tuple(f.name for f in params)  # (none starts with "__frozen_": see frozen_dataclass)
    consts = {f"\0{i}": f.name for i, f in enumerate(assigned)}
    code = template.replace(
        co_varnames=(self_name, *param_names) + template.co_varnames[1 + len(param_names):],
        co_consts=tuple(consts.get(c, c) if isinstance(c, str) else c for c in template.co_consts),
        co_qualname=f"{cls.__qualname__}.__init__")
    cells = {_SETATTR: object.__setattr__, _MARKER: _FACTORY}
    cells.update({_DEFAULT.format(i): f.default_factory for i, f in enumerate(assigned)
                  if f.default_factory is not MISSING})
    module = sys.modules.get(cls.__module__)
    defaults = tuple(_FACTORY if f.default is MISSING else f.default
                     for f in params if f.default is not MISSING or f.default_factory is not MISSING)
    fn = types.FunctionType(code, module.__dict__ if module is not None else {}, "__init__", defaults or None,
                            tuple(types.CellType(cells[name]) for name in code.co_freevars))
    fn.__annotations__ = {**{f.name: f.type for f in params}, "return": None}
    return fn


def _defined_in_mro(cls: type) -> set[str]:
    """The names the classes of ``cls``'s MRO define themselves, ``object`` excluded."""
    return {name for klass in cls.__mro__ if klass is not object for name in klass.__dict__}


def _data_descriptor(cls: type, name: str) -> bool:
    """True when ``name`` is a data descriptor somewhere in ``cls``'s MRO (``object.__setattr__`` would call it)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            kind = type(klass.__dict__[name])
            return hasattr(kind, "__set__") or hasattr(kind, "__delete__")
    return False


def _compile_template(shape: tuple[tuple[str, ...], bool, bool]) -> types.CodeType:
    """Compile the ``__init__`` of a shape: parameters ``p0``.., field names as the constants ``"\\0" + str(i)``.

    With ``plain`` (no field is a data descriptor) the values go into the instance's
    ``__dict__`` directly, else through ``object.__setattr__`` as the generated body does.
    """
    kinds, post_init, plain = shape
    params, body = ["self"], ["  __frozen_dict__ = self.__dict__"] if plain and kinds else []
    n = 0
    for i, kind in enumerate(kinds):
        if kind == "x":
            value = f"{_DEFAULT.format(i)}()"
        else:
            value = f"p{n}" if kind == "p" else f"{_DEFAULT.format(i)}() if p{n} is {_MARKER} else p{n}"
            params.append(f"p{n}")
            n += 1
        if plain:
            body.append(f"  __frozen_dict__['\\x00{i}'] = {value}")  # the constant "\0" + str(i)
        else:
            body.append(f"  {_SETATTR}(self, '\\x00{i}', {value})")
    if post_init:
        body.append("  self.__post_init__()")
    free = [_SETATTR, _MARKER] + [_DEFAULT.format(i) for i, k in enumerate(kinds) if k != "p"]
    src = (f"def __make__({', '.join(free)}):\n def __init__({', '.join(params)}):\n"
           + ("\n".join(" " + line for line in body) if body else "  pass") + "\n return __init__\n")
    ns: dict[str, Any] = {}
    exec(compile(src, "<string>", "exec"), ns)
    code: types.CodeType = ns["__make__"](*([None] * len(free))).__code__
    return code
