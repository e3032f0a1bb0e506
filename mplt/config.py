"""Frozen, typed stage configs from small TOML profiles (docs/style.md, rule 4).

Each stage defines its own `@dataclass(frozen=True)` config. A profile is a TOML file with one
table per stage; `config_from_dict` builds a stage config from its table and rejects unknown keys,
so a typo in a profile is an error rather than a silently ignored setting. Every value is checked
against its field's type annotation (`check_types`), so `epochs = "x"` is one line naming the table,
key, expected and got types instead of a TypeError deep inside a stage.

A field declared with `flat(default)` nests a config type whose fields are keys of the outer
table: `[testgen] n = 5` sets `TestgenConfig.sampling.n`, so the settings several stages share
(`mplt.generation.config.SamplingConfig`) are declared once while profiles keep flat keys.
"""
from __future__ import annotations

import copy
import dataclasses
import os
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from mplt.errors import MpltError

T = TypeVar("T")
FLAT = "flat"     # field metadata key: the field's config type takes its keys from the outer table


def flat(default: Any) -> Any:
    """A nested config field whose fields are keys of the outer table (see the module docstring)."""
    return dataclasses.field(default=default, metadata={FLAT: True})


def flat_fields(cls: type) -> dict[str, type]:
    """Name -> config type of the fields of `cls` declared with `flat`."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.metadata.get(FLAT)}


def table_keys(cls: type) -> list[str]:
    """The keys a table for `cls` may hold: its own fields, a flat field's in its place."""
    keys: list[str] = []
    nested = flat_fields(cls)
    for f in dataclasses.fields(cls):
        keys += [g.name for g in dataclasses.fields(nested[f.name])] if f.name in nested else [f.name]
    return keys


def load_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise MpltError(f"{path}: no such config file") from e
    except IsADirectoryError as e:
        raise MpltError(f"{path}: is a directory, not a TOML file") from e
    except UnicodeDecodeError as e:
        raise MpltError(f"{path}: not UTF-8 text (byte {e.start}); TOML files are UTF-8") from e
    except OSError as e:
        raise MpltError(f"{path}: cannot read ({e.strerror or e})") from e
    except tomllib.TOMLDecodeError as e:
        raise MpltError(f"{path}: invalid TOML ({e})") from e


def config_from_dict(cls: type[T], data: dict[str, Any] | None, where: str = "") -> T:
    """Build `cls` from a dict: unknown keys and values of the wrong type are errors; arrays become
    tuples for tuple-typed fields and strings become `Path`s for Path-typed ones; the keys of a
    `flat` field's type build that field over its default."""
    if data is not None and not isinstance(data, dict):
        raise MpltError(f"{where or cls.__name__}: expected a table, got {toml_type(data)}")
    data = dict(data or {})
    known = table_keys(cls)
    unknown = sorted(set(data) - set(known))
    renamed = [f"{old} is now {new}" for old, new in getattr(cls, "RENAMED", ()) if old in unknown]
    if renamed:   # a key a config declares as renamed (e.g. mplt.evaluation.config.EvaluationSettings)
        raise MpltError(f"{where or cls.__name__}: {'; '.join(renamed)}")
    if unknown:
        raise MpltError(f"{where or cls.__name__}: unknown setting(s) {', '.join(unknown)}; "
                        f"known: {', '.join(known)}")
    values: dict[str, Any] = {}
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    for name, nested in flat_fields(cls).items():
        keys = {g.name for g in dataclasses.fields(nested)}
        own = {key: data.pop(key) for key in list(data) if key in keys}
        if own:
            check_types(nested, own, where)
            hints = typing.get_type_hints(nested)
            try:
                values[name] = dataclasses.replace(defaults[name], **{k: _convert(hints[k], v) for k, v in own.items()})
            except MpltError as e:
                raise MpltError(f"{where + ' ' if where else ''}{e}") from None
    check_types(cls, data, where)
    hints = typing.get_type_hints(cls)
    return cls(**values, **{key: _convert(hints[key], value) for key, value in data.items()})


def check_types(cls: type, data: dict[str, Any], where: str = "") -> None:
    """Raise MpltError for the first known key whose value does not match the field's annotation
    (unknown keys are left to `config_from_dict`); inside arrays and tables it names the element.
    A `flat` field's keys are checked against its type's fields."""
    hints = typing.get_type_hints(cls)
    for nested in flat_fields(cls).values():
        hints = {**typing.get_type_hints(nested), **hints}
    for key, value in data.items():
        if key not in hints:
            continue
        found = mismatch(hints[key], value, key)
        if found is not None:
            at, hint, got = found
            raise MpltError(f"{where or cls.__name__} {at}: expected {describe(hint)}, "
                            f"got {toml_type(got)} ({_short(got)})")


def _args(hint: Any) -> tuple[Any, ...]:
    return typing.get_args(hint)


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def mismatch(hint: Any, value: Any, at: str) -> tuple[str, Any, Any] | None:
    """None when a TOML value fits a type annotation, else (where, expected annotation, value) of
    the innermost misfit. bool is not an int, an int is a float, an array fits a tuple or list
    element by element, a table fits a dict, a string fits a Path."""
    origin = typing.get_origin(hint)
    if _is_union(hint):
        found = [mismatch(arm, value, at) for arm in _args(hint)]
        if any(f is None for f in found):
            return None
        inner = [f for f in found if f[0] != at]     # the arm that got furthest names the element
        return inner[0] if len(inner) == 1 else (at, hint, value)
    if origin in (tuple, list, set, frozenset) or hint in (tuple, list):
        if not isinstance(value, (list, tuple)):
            return at, hint, value
        args = _args(hint)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(value):
                return at, hint, value
            pairs = list(zip(args, value))
        else:
            pairs = [(args[0] if args else Any, v) for v in value]
        for i, (arm, item) in enumerate(pairs):
            found = mismatch(arm, item, f"{at}[{i}]")
            if found is not None:
                return found
        return None
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            return at, hint, value
        value_type = (_args(hint) or (Any, Any))[1]
        for k, v in value.items():
            found = mismatch(value_type, v, f"{at}.{k}")
            if found is not None:
                return found
        return None
    return None if _fits(hint, value) else (at, hint, value)


def _fits(hint: Any, value: Any) -> bool:
    if hint is Any:
        return True
    if hint is type(None) or hint is None:
        return value is None
    if typing.get_origin(hint) is typing.Literal:
        return value in _args(hint)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint in (Path, os.PathLike):
        return isinstance(value, (str, os.PathLike))
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True     # an annotation we cannot check (a TypeVar, a Protocol): the stage decides


_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "a boolean (true/false)",
          Path: "a path (string)", os.PathLike: "a path (string)", dict: "a table", type(None): "nothing"}


def describe(hint: Any) -> str:
    """The annotation in TOML words: `tuple[str, ...]` is "an array of strings"."""
    origin = typing.get_origin(hint)
    if hint in _NAMES:
        return _NAMES[hint]
    if _is_union(hint):
        return " or ".join(describe(arm) for arm in _args(hint) if arm is not type(None))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in _args(hint))
    if origin in (tuple, list, set, frozenset):
        args = _args(hint)
        if origin is tuple and args and args[-1] is not Ellipsis:
            return f"an array of {len(args)} ({', '.join(describe(a) for a in args)})"
        if not args:
            return "an array"
        element = describe(args[0])
        element = element.split(" ", 1)[1] if element.startswith(("a ", "an ")) else element
        return f"an array of {element.split(' (', 1)[0]}s"
    if origin is dict:
        value_type = (_args(hint) or (Any, Any))[1]
        if value_type is Any:
            return "a table"
        element = describe(value_type)
        element = element.split(" ", 1)[1] if element.startswith(("a ", "an ")) else element
        return f"a table of {element.split(' (', 1)[0]}s"
    return getattr(hint, "__name__", str(hint))


def toml_type(value: Any) -> str:
    """A Python value read from TOML, named as TOML names it."""
    if isinstance(value, bool):
        return "a boolean"
    for kind, name in ((str, "a string"), (int, "an integer"), (float, "a float"), (dict, "a table"),
                       ((list, tuple), "an array")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _convert(hint: Any, value: Any) -> Any:
    """Arrays to tuples where the field is a tuple, strings to Paths where it is a Path."""
    arms = _args(hint) if _is_union(hint) else (hint,)
    if isinstance(value, list) and any(typing.get_origin(a) is tuple or a is tuple for a in arms):
        return tuple(value)
    if isinstance(value, str) and Path in arms and str not in arms:
        return Path(value)
    return value


def config_to_dict(config: Any) -> dict[str, Any]:
    """The config as its profile table: flat fields' keys in their place, tuples as lists."""
    nested = flat_fields(type(config))
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name in nested:
            out.update(config_to_dict(value))
        else:
            value = dataclasses.asdict(value) if dataclasses.is_dataclass(value) else copy.deepcopy(value)
            out[f.name] = list(value) if isinstance(value, tuple) else value
    return out
