"""Botocore's `invoicing` service model, read at run time, and a generic walker over its shapes.

`check(shape, value)` validates a decoded JSON value against a botocore input shape the way an
AWS service front end does (required members, unknown members, types, enums, lengths, value
ranges, patterns, nested structures and lists) and returns every violation with its dotted path
(`EinvoiceDeliveryPreference.ConnectionTestingMethod`, `Contacts[0].Email`).

`project(shape, value)` keeps only what an output shape declares, so responses carry exactly the
members the model defines.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import re
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

SERVICE_NAME = "invoicing"
MAX_SHOWN_VALUE = 64


@functools.cache
def service_model() -> ServiceModel:
    """The installed botocore's model of AWS Invoicing (the same one boto3 clients use)."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def error_namespace() -> str:
    """The Smithy namespace AWS puts in front of modeled error names in `__type`."""
    return f"com.amazonaws.{service_model().endpoint_prefix}"


@dataclass(frozen=True)
class FieldError:
    """One violation: `path` is the dotted member path, `message` says what is wrong."""

    path: str
    message: str
    shown: str = ""  # the offending value as quoted in the sentence (empty when not shown)

    def sentence(self) -> str:
        value = f"Value{self.shown}" if self.shown else "Value"
        where = self.path or "<request>"
        return f"{value} at '{where}' failed to satisfy constraint: {self.message}"


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _member_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _shown(shape: Shape, value: Any, path: str) -> str:
    """The value as AWS quotes it in messages, unless secret, sensitive or too long to help.

    Not every secret is marked sensitive in the model (TestEnvPreference's shared secret is
    not), so a member named like a secret is never shown either.
    """
    secret = "secret" in path.rsplit(".", 1)[-1].lower()
    if secret or shape.metadata.get("sensitive"):
        return ""
    if not isinstance(value, str | int | float | bool):
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if len(text) > MAX_SHOWN_VALUE or any(ch in text for ch in "'\r\n"):
        return ""
    return f" '{text}'"


def check(shape: Shape | None, value: Any, path: str = "") -> list[FieldError]:
    """Every violation of `shape` by `value` (empty list: valid). JSON null counts as absent."""
    if shape is None:
        return [] if value in (None, {}) else [FieldError(path, "Operation takes no input")]
    handler = _CHECKERS.get(shape.type_name)
    if handler is None:  # a type this model does not use; accept rather than guess
        return []
    errors = handler(shape, value, path)
    if shape.metadata.get("sensitive"):
        # A sensitive structure (Contact) hides its members' values, sensitive or not.
        return [dataclasses.replace(error, shown="") for error in errors]
    return errors


def _type_error(path: str, expected: str) -> list[FieldError]:
    return [FieldError(path, f"Member must be of type {expected}")]


def _check_structure(shape: Shape, value: Any, path: str) -> list[FieldError]:
    if not isinstance(value, dict):
        return _type_error(path, "structure")
    errors: list[FieldError] = []
    members = shape.members
    for name in shape.required_members:
        if value.get(name) is None:
            errors.append(FieldError(_member_path(path, name), "Member must not be null", " null"))
    for name, item in value.items():
        if name not in members:
            errors.append(
                FieldError(
                    _member_path(path, name),
                    "Member is not defined in the model; expected one of: " + ", ".join(members),
                )
            )
        elif item is not None:
            errors.extend(check(members[name], item, _member_path(path, name)))
    return errors


def _length_errors(shape: Shape, length: int, path: str) -> list[FieldError]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and length < low:
        return [FieldError(path, f"Member must have length greater than or equal to {low}")]
    if high is not None and length > high:
        return [FieldError(path, f"Member must have length less than or equal to {high}")]
    return []


def _check_list(shape: Shape, value: Any, path: str) -> list[FieldError]:
    if not isinstance(value, list):
        return _type_error(path, "list")
    errors = _length_errors(shape, len(value), path)
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if item is None:
            errors.append(FieldError(item_path, "Member must not be null", " null"))
        else:
            errors.extend(check(shape.member, item, item_path))
    return errors


def _check_map(shape: Shape, value: Any, path: str) -> list[FieldError]:
    if not isinstance(value, dict):
        return _type_error(path, "map")
    errors = _length_errors(shape, len(value), path)
    for key, item in value.items():
        errors.extend(check(shape.key, key, f"{path}.{key}"))
        errors.extend(check(shape.value, item, f"{path}.{key}"))
    return errors


def _check_string(shape: Shape, value: Any, path: str) -> list[FieldError]:
    if not isinstance(value, str):
        return _type_error(path, "string")
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        constraint = f"Member must satisfy enum value set: [{', '.join(enum)}]"
        return [FieldError(path, constraint, _shown(shape, value, path))]
    errors = _length_errors(shape, len(value), path)
    pattern = shape.metadata.get("pattern")
    if pattern and not _compiled(pattern).fullmatch(value):
        constraint = f"Member must satisfy regular expression pattern: {pattern}"
        errors.append(FieldError(path, constraint, _shown(shape, value, path)))
    return errors


def _range_errors(shape: Shape, value: float, path: str) -> list[FieldError]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        return [FieldError(path, f"Member must have value greater than or equal to {low}")]
    if high is not None and value > high:
        return [FieldError(path, f"Member must have value less than or equal to {high}")]
    return []


def _check_integer(shape: Shape, value: Any, path: str) -> list[FieldError]:
    if isinstance(value, bool) or not isinstance(value, int):
        return _type_error(path, shape.type_name)
    limit = 2**31 if shape.type_name == "integer" else 2**63
    if not -limit <= value < limit:
        return [FieldError(path, f"Member must fit in a {shape.type_name}")]
    return _range_errors(shape, value, path)


def _check_number(shape: Shape, value: Any, path: str) -> list[FieldError]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _type_error(path, shape.type_name)
    return _range_errors(shape, value, path)


def _check_boolean(shape: Shape, value: Any, path: str) -> list[FieldError]:
    return [] if isinstance(value, bool) else _type_error(path, "boolean")


def _check_timestamp(shape: Shape, value: Any, path: str) -> list[FieldError]:
    # AWS JSON 1.0 sends timestamps as epoch seconds (a JSON number).
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _type_error(path, "timestamp (epoch seconds)")
    return []


def _check_blob(shape: Shape, value: Any, path: str) -> list[FieldError]:
    if not isinstance(value, str):
        return _type_error(path, "blob (base64 string)")
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return [FieldError(path, "Member must be valid base64")]
    return _length_errors(shape, len(decoded), path)


_CHECKERS = {
    "structure": _check_structure,
    "list": _check_list,
    "map": _check_map,
    "string": _check_string,
    "integer": _check_integer,
    "long": _check_integer,
    "float": _check_number,
    "double": _check_number,
    "boolean": _check_boolean,
    "timestamp": _check_timestamp,
    "blob": _check_blob,
}


def project(shape: Shape | None, value: Any) -> Any:
    """`value` reduced to what `shape` declares (unknown members and nulls dropped)."""
    if shape is None or value is None:
        return None
    if shape.type_name == "structure" and isinstance(value, dict):
        out = {}
        for name, member in shape.members.items():
            if value.get(name) is not None:
                out[name] = project(member, value[name])
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [project(shape.member, item) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: project(shape.value, item) for key, item in value.items()}
    return value


def without_nulls(value: Any) -> Any:
    """`value` with every null structure member removed (checked input keeps none elsewhere)."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def enum_values(shape_name: str) -> list[str]:
    return list(service_model().shape_for(shape_name).enum)
