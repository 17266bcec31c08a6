"""The emulated resources: field tables, validation, filters (facts: reference/coupa-core-api.md).

Every choice the fact sheet lists as "not confirmed" is made here, once, and says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

PAGE_MAX = 50  # §3.2: at most 50 records per GET
# Not confirmed (#5): the maximum `limit`. We cap a larger limit at 50 rather than refuse it.
# Not confirmed (#8): the status of an empty JSON result (m011 shows `[]`, m032 says 404).
# We answer 200 with `[]`; the client also reads a 404 on a list as an empty page.
EMPTY_LIST_STATUS = 200

PO_METHODS = ("cxml", "xml", "email", "prompt", "mark_as_sent", "buy_online")
MATCHING_LEVELS = ("2-way", "3-way", "3-way-direct", "none")
# Not confirmed (#6): the Swagger has no enum for `status` and m074 calls it output-only.
# Our model: the CSV's three values, writable through POST/PUT (the reconciler needs it).
SUPPLIER_STATUSES = ("active", "inactive", "draft")
# §2.2: the Swagger enum is goods/services; m138 adds monetary and others. We take the union.
COMMODITY_CATEGORIES = ("goods", "services", "monetary", "others")

# §6.1: the fields the UI and the CSV make mandatory once po-method is cxml. Not confirmed
# (#10): whether `cxml-secret` is among them; X1 lists it, the CSV does not: not required here.
CXML_PO_REQUIRED = (
    "cxml-url",
    "cxml-domain",
    "cxml-identity",
    "cxml-supplier-domain",
    "cxml-supplier-identity",
    "cxml-protocol",
)
# §6.2: the five invoice credentials, "must be filled" when allow-cxml-invoicing is true.
CXML_INVOICE_FIELDS = (
    "cxml-invoice-supplier-domain",
    "cxml-invoice-supplier-identity",
    "cxml-invoice-buyer-domain",
    "cxml-invoice-buyer-identity",
    "cxml-invoice-secret",
)

READ_ONLY = ("id", "created-at", "updated-at")  # accepted on input and ignored (a read-back PUT)


@dataclass(frozen=True)
class Field:
    """One emulated attribute: its JSON type, enum and length."""

    kind: str  # "str", "bool" or "int"
    enum: tuple[str, ...] = ()
    length: int | None = None


def _s(length: int | None = None, enum: tuple[str, ...] = ()) -> Field:
    return Field("str", enum, length)


BOOL = Field("bool")


@dataclass(frozen=True)
class Resource:
    """An emulated collection: its singular name (the error key), fields and rules."""

    plural: str
    singular: str
    fields: dict[str, Field]
    unique: tuple[str, ...]
    required: tuple[str, ...]
    defaults: dict[str, Any]
    check: Callable[[dict[str, Any]], list[str]]


def _supplier_rules(record: dict[str, Any]) -> list[str]:
    problems = []
    if record.get("po-method") == "cxml":
        problems += [
            f"{f} is required when po-method is cxml"
            for f in CXML_PO_REQUIRED
            if _blank(record.get(f))
        ]
    if record.get("allow-cxml-invoicing") is True:
        problems += [
            f"{f} is required when allow-cxml-invoicing is true"
            for f in CXML_INVOICE_FIELDS
            if _blank(record.get(f))
        ]
    return problems


SUPPLIER = Resource(
    plural="suppliers",
    singular="supplier",
    fields={
        "name": _s(100),
        "number": _s(255),
        "display-name": _s(255),
        "status": _s(enum=SUPPLIER_STATUSES),
        "po-method": _s(255, PO_METHODS),
        "po-change-method": _s(255, PO_METHODS),
        "po-email": _s(255),
        "cxml-url": _s(),
        "cxml-domain": _s(),
        "cxml-identity": _s(),
        "cxml-supplier-domain": _s(),
        "cxml-supplier-identity": _s(),
        "cxml-secret": _s(),  # §2.1: in and out, echoed on GET
        "cxml-protocol": _s(),
        "allow-cxml-invoicing": BOOL,
        **{name: _s() for name in CXML_INVOICE_FIELDS},
        "invoice-matching-level": _s(255, MATCHING_LEVELS),
        "on-hold": BOOL,
        "buyer-hold": BOOL,
    },
    # §2.1: name and number are unique (MD); cxml-invoice-supplier-identity across suppliers.
    # Not confirmed: whether uniqueness ignores case. Ours is exact (case-sensitive).
    unique=("name", "number", "cxml-invoice-supplier-identity"),
    # The Swagger's six `required` (enterprise, online-store, ...) are not emulated (#9);
    # invoice-matching-level is "required on create" (CSV) and is checked.
    required=("name", "invoice-matching-level"),
    defaults={"status": "draft"},  # §2.1: unset status means draft
    check=_supplier_rules,
)

COMMODITY = Resource(
    plural="commodities",
    singular="commodity",
    fields={"name": _s(255), "active": BOOL, "category": _s(255, COMMODITY_CATEGORIES)},
    unique=("name",),
    required=("name",),
    # Not documented: the default of `active` (the CSV makes the column required). Ours: true.
    defaults={"active": True},
    check=lambda record: [],
)

RESOURCES = {r.plural: r for r in (SUPPLIER, COMMODITY)}

# §4.2: scopes per resource. Not confirmed (#3): core.common.* for commodities is an inference.
SCOPES = {
    "suppliers": ("core.supplier.read", "core.supplier.write"),
    "commodities": ("core.common.read", "core.common.write"),
}


class Invalid(Exception):
    """A request the emulator refuses with 400 `{"errors": {singular: messages}}`."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _blank(value: Any) -> bool:
    return value is None or value == ""


def canonical(key: str) -> str:
    """Hyphens are canonical; §3.4: the underscore spelling is accepted on input too."""
    return key.replace("_", "-")


def coerce(resource: Resource, body: Any) -> dict[str, Any]:
    """The body's known fields, typed and checked; unknown keys and bad values are refused."""
    if not isinstance(body, dict):
        raise Invalid([f"the request body must be a JSON object (a {resource.singular})"])
    result: dict[str, Any] = {}
    problems = []
    for raw_key, value in body.items():
        key = canonical(str(raw_key))
        if key in READ_ONLY:
            continue
        spec = resource.fields.get(key)
        if spec is None:
            problems.append(f"unknown attribute {raw_key!r}")
            continue
        if value is None:
            result[key] = None
            continue
        if spec.kind == "bool":
            if isinstance(value, str) and value in ("true", "false"):
                value = value == "true"  # §2.2: the Swagger writes boolean enums as strings
            if not isinstance(value, bool):
                problems.append(f"{key} must be true or false, got {value!r}")
                continue
        elif not isinstance(value, str):
            problems.append(f"{key} must be a string, got {type(value).__name__}")
            continue
        elif spec.enum and value not in spec.enum:
            problems.append(f"{key} must be one of {', '.join(spec.enum)}; got {value!r}")
            continue
        elif spec.length is not None and len(value) > spec.length:
            problems.append(f"{key} is too long (at most {spec.length} characters)")
            continue
        result[key] = value
    if problems:
        raise Invalid(problems)
    return result


def check_record(
    resource: Resource, record: dict[str, Any], others: Iterable[dict[str, Any]]
) -> None:
    """Required fields, cross-field rules and uniqueness of a record about to be stored."""
    problems = [f"{f} is required" for f in resource.required if _blank(record.get(f))]
    problems += resource.check(record)
    others = list(others)
    for key in resource.unique:
        value = record.get(key)
        if not _blank(value) and any(o.get(key) == value for o in others):
            problems.append(f"{key} has already been taken")
    if problems:
        raise Invalid(problems)


# ---- list filters (§3.4) ------------------------------------------------------------------

FILTER_KEY = re.compile(r"([A-Za-z0-9_-]+)(?:\[([a-z_]+)\])?")


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _order(value: Any, given: str) -> tuple[Any, Any]:
    """Numbers compare as numbers (ids), everything else as text (ISO dates sort as text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return value, int(given)
        except ValueError:
            pass
    return text(value), given


OPERATORS: dict[str, Callable[[Any, str], bool]] = {
    "eq": lambda v, g: text(v) == g,
    "not_eq": lambda v, g: text(v) != g,
    "contains": lambda v, g: g in text(v),
    "starts_with": lambda v, g: text(v).startswith(g),
    "ends_with": lambda v, g: text(v).endswith(g),
    "in": lambda v, g: text(v) in g.split(","),
    "not_in": lambda v, g: text(v) not in g.split(","),
    "gt": lambda v, g: (lambda a, b: a > b)(*_order(v, g)),
    "lt": lambda v, g: (lambda a, b: a < b)(*_order(v, g)),
    "gt_or_eq": lambda v, g: (lambda a, b: a >= b)(*_order(v, g)),
    "lt_or_eq": lambda v, g: (lambda a, b: a <= b)(*_order(v, g)),
    "blank": lambda v, g: _blank(v) == (g == "true"),
}


def parse_filters(resource: Resource, pairs: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(attribute, operator, value) per filter; unknown attributes or operators are refused."""
    known = set(resource.fields) | set(READ_ONLY)
    filters, problems = [], []
    for key, value in pairs:
        match = FILTER_KEY.fullmatch(key)
        if match is None:
            problems.append(f"unsupported filter {key!r} (association filters are not emulated)")
            continue
        attribute, operator = canonical(match.group(1)), match.group(2) or "eq"
        if attribute not in known:
            problems.append(f"unknown attribute {match.group(1)!r} in filter {key!r}")
        elif operator not in OPERATORS:
            problems.append(f"unknown operator {operator!r}; known: {', '.join(OPERATORS)}")
        else:
            filters.append((attribute, operator, value))
    if problems:
        raise Invalid(problems)
    return filters


def matches(record: dict[str, Any], filters: list[tuple[str, str, str]]) -> bool:
    """All filters hold (§3.4: conditions joined with & are ANDed)."""
    return all(OPERATORS[op](record.get(attr), value) for attr, op, value in filters)
