"""The shape of a saved plan file, checked before it becomes a Plan: what is wrong, and where."""

from __future__ import annotations

from controller.errors import UserError

OPTIONAL_TEXT = (str, type(None))
OPTIONAL_INT = (int, type(None))

# key -> the JSON types it may have (a plan file written by `plan --out` has every key).
TOP: dict[str, tuple[type, ...]] = {
    "format_version": (str,),
    "changes": (list,),
    "unmanaged": (list,),
    "duplicates": (list,),
    "config_digest": (str,),
    "commit": OPTIONAL_TEXT,
    "today": (str,),
    "scope": (list, type(None)),
    "notes": (list,),
}
CHANGE: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "account": (str,),
    "region": (str,),
    "action": (str,),
    "gate": (str,),
    "source": (str,),
    "role_arn": OPTIONAL_TEXT,
    "arn": OPTIONAL_TEXT,
    "version": OPTIONAL_INT,
    "fields": (list,),
    "mode_before": OPTIONAL_TEXT,
    "mode_after": OPTIONAL_TEXT,
    "target_status": OPTIONAL_TEXT,
    "features": (list,),
    "reasons": (list,),
    "readiness": (list,),
    "blockers": (list,),
    "unknown": (list,),
    "provider": (str,),
    "kind": (str,),
    "scope": (str,),
    "after": (list,),
}
# Members of a change that are lists of objects, and the keys each object needs.
NESTED: dict[str, dict[str, tuple[type, ...]]] = {
    "fields": {"path": (str,), "sensitive": (bool,), "immutable": (bool,)},
    "readiness": {"name": (str,), "ok": (bool,), "detail": (str,)},
    "unknown": {"path": (str,), "reference": (str,), "reason": (str,), "skipped": (bool,)},
}
LISTED: dict[str, dict[str, tuple[type, ...]]] = {
    "unmanaged": {"arn": (str,), "account": (str,), "buyer_identity": (str,)},
    "duplicates": {"arn": (str,), "account": (str,), "region": (str,), "name": (str,)},
}
_NAMES = {str: "text", list: "a list", dict: "an object", int: "a number", bool: "true/false"}


def _kind(value: object) -> str:
    return "null" if value is None else _NAMES.get(type(value), type(value).__name__)


def _want(types: tuple[type, ...]) -> str:
    return " or ".join("null" if t is type(None) else _NAMES[t] for t in types)


def _object(value: object, keys: dict[str, tuple[type, ...]], where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where or 'the file'}: must be a JSON object, not {_kind(value)}"]
    problems = []
    for key, types in keys.items():
        at = f"{where}.{key}" if where else key
        if key not in value:
            problems.append(f"{at}: missing")
        elif not isinstance(value[key], types) or (
            bool not in types and isinstance(value[key], bool)
        ):
            problems.append(f"{at}: must be {_want(types)}, not {_kind(value[key])}")
    return problems


def problems(doc: object) -> list[str]:
    """Every shape problem of a plan file's JSON document (empty when it can be read)."""
    found = _object(doc, TOP, "")
    if not isinstance(doc, dict):
        return found

    def entries(key: str) -> list[object]:
        value = doc.get(key)
        return value if isinstance(value, list) else []  # a wrong type is reported above

    for key, keys in LISTED.items():
        for index, entry in enumerate(entries(key)):
            found += _object(entry, keys, f"{key}[{index}]")
    for index, change in enumerate(entries("changes")):
        where = f"changes[{index}]"
        shape = _object(change, CHANGE, where)
        found += shape
        if shape or not isinstance(change, dict):  # a change that is no object has a shape problem
            continue
        for member, keys in NESTED.items():
            for position, entry in enumerate(change[member]):
                found += _object(entry, keys, f"{where}.{member}[{position}]")
    return found


def check(path: str, doc: object) -> None:
    """Raise a UserError listing what is wrong with the plan file at `path`, if anything."""
    found = problems(doc)
    if found:
        shown = "\n".join(f"  {p}" for p in found[:20])
        more = f"\n  ... and {len(found) - 20} more" if len(found) > 20 else ""
        raise UserError(
            f"{path} is not a plan file that `coupa-gitops plan --out` wrote:\n{shown}{more}\n"
            "make a new one with `coupa-gitops plan --out FILE`"
        )
