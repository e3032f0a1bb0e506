"""Frozen, typed stage configs from small TOML profiles (style rule 4).

Each stage defines its own `@dataclass(frozen=True)` config. A profile is a TOML file with one
table per stage; `config_from_dict` builds a stage config from its table and rejects unknown keys,
so a typo in a profile is an error rather than a silently ignored setting.
"""
from __future__ import annotations

import dataclasses
import tomllib
import typing
from pathlib import Path
from typing import Any, TypeVar

from mplt.errors import MpltError

T = TypeVar("T")


def load_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise MpltError(f"{path}: no such config file") from e
    except tomllib.TOMLDecodeError as e:
        raise MpltError(f"{path}: invalid TOML ({e})") from e


def config_from_dict(cls: type[T], data: dict[str, Any] | None, where: str = "") -> T:
    """Build `cls` from a dict; lists become tuples for tuple-typed fields."""
    data = dict(data or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise MpltError(f"{where or cls.__name__}: unknown setting(s) {', '.join(unknown)}; "
                        f"known: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    for key, value in data.items():
        if isinstance(value, list) and typing.get_origin(hints.get(key)) in (tuple, typing.Union, None) \
                and "tuple" in str(hints.get(key)):
            data[key] = tuple(value)
    return cls(**data)


def config_to_dict(config: Any) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}
