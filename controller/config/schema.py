"""JSON Schema check of one parsed document, with messages written for people."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker, validators

from controller.config.problems import Problem, dotted
from controller.config.yamldoc import Document, Path

SCHEMA_FILE = FsPath(__file__).resolve().parents[2] / "schemas" / "coupa-integration.v1.json"


@cache
def schema(name: str = SCHEMA_FILE.name) -> dict[str, Any]:
    """A published schema (default schemas/coupa-integration.v1.json), by file name."""
    # A JSON Schema document: JSON values all the way down, so Any.
    published = SCHEMA_FILE.with_name(name)
    if published.is_file():  # a checkout or an editable install: the published file
        document: dict[str, Any] = json.loads(published.read_text(encoding="utf-8"))
        return document
    packaged = resources.files("controller.schemas").joinpath(name)
    document = json.loads(packaged.read_text(encoding="utf-8"))
    return document


@cache
def _ecma(pattern: str) -> re.Pattern[str]:
    # JSON Schema patterns are ECMA-262 regexes, where `$` matches only at the very end; Python's
    # `$` also matches before a final newline, which let "111122223333\n" pass as an account id.
    # Our patterns use `$` only as an end anchor, never escaped or inside [...].
    return re.compile(pattern.replace("$", r"\Z"))


def _pattern(
    validator: Draft202012Validator, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    # `instance` is any JSON value; validator.is_type makes it a str before it is searched.
    if validator.is_type(instance, "string") and not _ecma(pattern).search(instance):
        yield jsonschema.ValidationError(f"does not match {pattern!r}")


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every local `$ref` replaced by its target (same meaning, no lookups)."""
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {**target, **{k: _inline(v, defs) for k, v in node.items() if k != "$ref"}}
    return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}


@cache
def _validator(name: str = SCHEMA_FILE.name) -> Draft202012Validator:
    checker = FormatChecker(formats=["date"])
    cls = validators.extend(Draft202012Validator, {"pattern": _pattern})
    # Resolving $ref on every descent was half of validate's time; inline the $defs once.
    return cls(_inline(schema(name), schema(name).get("$defs", {})), format_checker=checker)


def _type_name(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list"}
    names |= {dict: "a mapping", type(None): "empty"}
    return names.get(type(value), type(value).__name__)


_EXPECTED = {
    "string": "text",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "integer": "a whole number",
}


def _did_you_mean(word: str, choices: list[str]) -> str:
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean `{match[0]}`?" if match else ""


def _type_message(err: jsonschema.ValidationError, doc: Document, path: Path) -> str:
    expected = err.validator_value
    plain = doc.plain_text.get(path)
    if expected == "string" and plain is not None and err.instance is not None:
        return f'must be text; put it in quotes so YAML keeps it as written: "{plain}"'
    if expected == "boolean" and isinstance(err.instance, str):
        return f"must be true or false, not `{err.instance}` (yes/no/on/off are text here)"
    want = _EXPECTED.get(expected, str(expected))
    return f"must be {want}, not {_type_name(err.instance)}"


def _enum_message(err: jsonschema.ValidationError) -> str:
    options = [str(v) for v in err.validator_value]
    hint = _did_you_mean(str(err.instance), options) if isinstance(err.instance, str) else ""
    return f"must be one of {', '.join(options)}{hint}"


# One message per JSON Schema keyword; a property's `errorMessage` wins for the keywords
# in CUSTOMISABLE (patterns say little to a person).
MESSAGES: dict[str, Callable[[jsonschema.ValidationError], str]] = {
    "enum": _enum_message,
    "minLength": lambda e: "must not be empty",
    "maxLength": lambda e: f"is {len(e.instance)} characters; the limit is {e.validator_value}",
    "maxItems": lambda e: f"has {len(e.instance)} items; the limit is {e.validator_value}",
    "maxProperties": lambda e: f"has {len(e.instance)} entries; the limit is {e.validator_value}",
    "uniqueItems": lambda e: "lists the same item twice; remove the repeat",
    "pattern": lambda e: f"must match the pattern {e.validator_value}",
    "format": lambda e: f"must be a valid {e.validator_value}",
}
CUSTOMISABLE = frozenset({"pattern", "format", "const", "minProperties", "maxProperties"})


def _message(err: jsonschema.ValidationError, doc: Document, path: Path) -> str:
    if err.validator == "type":
        return _type_message(err, doc, path)
    custom = err.schema.get("errorMessage") if isinstance(err.schema, dict) else None
    if custom and err.validator in CUSTOMISABLE:
        message: str = custom  # the schema's errorMessage strings
        return message
    describe = MESSAGES.get(err.validator)
    return describe(err) if describe else f"does not satisfy the schema rule `{err.validator}`"


def _known_keys(err: jsonschema.ValidationError) -> list[str]:
    return sorted(err.schema.get("properties", {}))


def check(doc: Document, name: str = SCHEMA_FILE.name) -> Iterator[Problem]:
    """Every schema violation in the document against schema file `name`, one Problem each."""
    # Distinct errors can read the same (jsonschema yields one `required` error per missing key,
    # each carrying the whole list; `pattern` and `format` share one errorMessage): say it once.
    seen: set[Problem] = set()
    for problem in _check(doc, name):
        if problem not in seen:
            seen.add(problem)
            yield problem


def _check(doc: Document, name: str) -> Iterator[Problem]:
    for err in _validator(name).iter_errors(doc.data):
        path: Path = tuple(err.absolute_path)
        if err.validator == "pattern" and err.instance == "" and err.schema.get("minLength"):
            continue  # "must not be empty" (minLength) says it better
        if (
            err.validator == "additionalProperties"
            and err.schema.get("additionalProperties") is False
        ):
            known = _known_keys(err)
            for extra in sorted(set(err.instance) - set(known)):
                line, col = doc.where((*path, extra), key=True)
                msg = f"unknown key `{extra}`{_did_you_mean(extra, known)}"
                yield Problem(doc.file, line, col, dotted((*path, extra)), msg)
            continue
        if err.validator == "required":
            for missing in err.validator_value:
                if isinstance(err.instance, dict) and missing not in err.instance:
                    line, col = doc.where(path, key=True)
                    msg = f"missing required key `{missing}`"
                    yield Problem(doc.file, line, col, dotted((*path, missing)), msg)
            continue
        if "propertyNames" in err.schema_path and isinstance(err.instance, str):
            path = (*path, err.instance)  # the key itself is wrong: point at it
            line, col = doc.where(path, key=True)
            yield Problem(doc.file, line, col, dotted(path), _message(err, doc, path))
            continue
        line, col = doc.where(path)
        yield Problem(doc.file, line, col, dotted(path), _message(err, doc, path))
