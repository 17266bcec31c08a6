"""Hypothesis strategies built from botocore's shapes, and mutations that break them.

`valid(shape)` draws values the model accepts: required members always, optional ones sometimes,
enums from their value set, strings from their pattern (`st.from_regex(..., fullmatch=True)`)
within their length bounds, lists and integers within theirs, timestamps as epoch seconds.
`mutations(shape, value)` lists every single change that makes a valid value invalid, each with
the dotted path the sandbox must name.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.model import Shape
from hypothesis import strategies as st

MAX_STRING = 24  # keep drawn strings short; over-long strings are the mutations' job
MAX_LIST = 3
EPOCH_RANGE = (0, 4_102_444_800)  # 1970 .. 2100


def _string(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    if meta.get("enum"):
        return st.sampled_from(meta["enum"])
    low = meta.get("min", 0)
    pattern = meta.get("pattern")
    if pattern is None:
        return st.text(min_size=low, max_size=min(meta.get("max", MAX_STRING), low + MAX_STRING))
    high = meta.get("max", 10**6)  # a pattern may need more than MAX_STRING (ARNs do)
    compiled = re.compile(pattern)
    return st.from_regex(pattern, fullmatch=True).filter(
        lambda s: low <= len(s) <= high and compiled.fullmatch(s) is not None
    )


def valid(
    shape: Shape,
    overrides: dict[str, st.SearchStrategy[Any]] | None = None,
    path: str = "",
) -> st.SearchStrategy[Any]:
    """Values `shape` accepts; `overrides` maps dotted paths to strategies to use instead."""
    overrides = overrides or {}
    if path in overrides:
        return overrides[path]
    kind = shape.type_name
    if kind == "structure":
        required, optional = {}, {}
        for name, member in shape.members.items():
            target = required if name in shape.required_members else optional
            target[name] = valid(member, overrides, f"{path}.{name}" if path else name)
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "list":
        low = shape.metadata.get("min", 0)
        high = min(shape.metadata.get("max", MAX_LIST), max(low, MAX_LIST))
        return st.lists(valid(shape.member, overrides, f"{path}[]"), min_size=low, max_size=high)
    if kind == "string":
        return _string(shape)
    if kind in ("integer", "long"):
        limit = 2**31 - 1 if kind == "integer" else 2**63 - 1
        return st.integers(shape.metadata.get("min", -limit - 1), shape.metadata.get("max", limit))
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.integers(*EPOCH_RANGE)
    raise NotImplementedError(f"no strategy for {kind} shapes ({shape.name})")


@dataclass(frozen=True)
class Mutation:
    path: str  # the dotted path the error must name
    kind: str
    apply: Callable[[dict[str, Any]], None]  # changes a deep copy of the request in place

    def on(self, request: dict[str, Any]) -> dict[str, Any]:
        broken = copy.deepcopy(request)
        self.apply(broken)
        return broken


def _setter(keys: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(request: dict[str, Any]) -> None:
        target: Any = request
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return apply


def _deleter(keys: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def apply(request: dict[str, Any]) -> None:
        target: Any = request
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return apply


def _dotted(keys: tuple[Any, ...]) -> str:
    text = ""
    for key in keys:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


def _pattern_breaker(shape: Shape) -> str | None:
    pattern = re.compile(shape.metadata["pattern"])
    high = shape.metadata.get("max", 10**9)
    low = shape.metadata.get("min", 0)
    for candidate in ("has space", " ", "\t", "\n", "!!", "x", "0", ""):
        if low <= len(candidate) <= high and not pattern.fullmatch(candidate):
            return candidate
    return None


WRONG_TYPE = {
    "structure": ["not", "a", "structure"],
    "list": "not a list",
    "string": 12345,
    "integer": "12",
    "long": "12",
    "boolean": "true",
    "timestamp": "2027-01-01T00:00:00Z",
}


def mutations(shape: Shape, value: Any, keys: tuple[Any, ...] = ()) -> list[Mutation]:
    """Every single change to `value` that `shape` forbids (root type changes excluded)."""
    found: list[Mutation] = []
    path = _dotted(keys)
    kind = shape.type_name
    meta = shape.metadata
    if keys:
        found.append(Mutation(path, f"wrong type for {kind}", _setter(keys, WRONG_TYPE[kind])))
    if kind == "structure":
        unknown = (*keys, "UnknownMember")
        found.append(Mutation(_dotted(unknown), "unknown member", _setter(unknown, 1)))
        for name, member in shape.members.items():
            if name not in value:
                continue
            if name in shape.required_members:
                found.append(
                    Mutation(_dotted((*keys, name)), "drop required", _deleter((*keys, name)))
                )
            found.extend(mutations(member, value[name], (*keys, name)))
    elif kind == "list":
        if meta.get("min", 0) > 0:
            found.append(Mutation(path, "list too short", _setter(keys, [])))
        if "max" in meta and value and meta["max"] < 1000:
            too_long = [copy.deepcopy(value[0]) for _ in range(meta["max"] + 1)]
            found.append(Mutation(path, "list too long", _setter(keys, too_long)))
        for index, item in enumerate(value):
            found.extend(mutations(shape.member, item, (*keys, index)))
    elif kind == "string":
        if meta.get("enum"):
            found.append(Mutation(path, "not in enum", _setter(keys, "NOT_AN_ENUM_VALUE")))
        else:
            if "max" in meta:
                found.append(Mutation(path, "too long", _setter(keys, "a" * (meta["max"] + 1))))
            if meta.get("min", 0) > 0:
                found.append(Mutation(path, "too short", _setter(keys, "")))
            if "pattern" in meta and (breaker := _pattern_breaker(shape)) is not None:
                found.append(Mutation(path, "breaks pattern", _setter(keys, breaker)))
    elif kind in ("integer", "long"):
        if "min" in meta:
            found.append(Mutation(path, "below minimum", _setter(keys, meta["min"] - 1)))
        if "max" in meta:
            found.append(Mutation(path, "above maximum", _setter(keys, meta["max"] + 1)))
    return found
