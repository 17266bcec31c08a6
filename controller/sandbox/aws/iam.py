"""IAM identity-policy evaluation, as IAM documents it: explicit Deny, then Allow, else deny.

`Policy.parse(document)` validates a policy once (an unknown operator or statement member is a
ValueError naming it, so a typo in a test policy fails loudly); `evaluate(policy, request)`
decides one request. `requests_for(...)` says which IAM actions an Invoicing operation needs
(the Service Authorization Reference table) and the request context they are evaluated with.

Supported: Effect, Action/NotAction and Resource/NotResource with `*`/`?` wildcards (actions
case-insensitive), and the condition operators of `OPERATORS`, each with `IfExists` and the
`ForAllValues:`/`ForAnyValue:` prefixes. Not supported: policy variables, Principal, numeric,
date, IP and ARN operators (a policy using them is rejected, never silently misread).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

STATEMENT_MEMBERS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
SET_PREFIXES = {"forallvalues": "ForAllValues", "foranyvalue": "ForAnyValue"}
IF_EXISTS = "ifexists"
ANY_RESOURCE = "*"


@functools.cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _like(actual: str, expected: str) -> bool:
    return _glob(expected, False).fullmatch(actual) is not None


@dataclass(frozen=True)
class Operator:
    """A condition operator: how one context value matches one policy value."""

    match: Callable[[str, str], bool]
    negated: bool = False


OPERATORS: dict[str, Operator] = {
    "stringequals": Operator(lambda a, e: a == e),
    "stringnotequals": Operator(lambda a, e: a == e, negated=True),
    "stringequalsignorecase": Operator(lambda a, e: a.casefold() == e.casefold()),
    "stringnotequalsignorecase": Operator(lambda a, e: a.casefold() == e.casefold(), True),
    "stringlike": Operator(_like),
    "stringnotlike": Operator(_like, negated=True),
    "bool": Operator(lambda a, e: a.lower() == e.lower()),
}
NULL = "null"  # tests presence, not values: handled apart from OPERATORS


@dataclass(frozen=True)
class Condition:
    """One key under one operator, e.g. `ForAnyValue:StringLikeIfExists` on `aws:TagKeys`."""

    operator: str  # as written in the policy, so a repr shows what the author wrote
    base: str  # lower-case operator name without prefix and IfExists
    key: str  # lower-case: IAM condition key names are case-insensitive
    values: tuple[str, ...]
    set_prefix: str | None = None  # "forallvalues" or "foranyvalue"
    if_exists: bool = False

    def holds(self, context: Mapping[str, tuple[str, ...]]) -> bool:
        actual = context.get(self.key)
        if self.base == NULL:  # "true" asks for the key to be absent
            absent = not actual
            return any(absent == (value.lower() == "true") for value in self.values)
        operator = OPERATORS[self.base]

        def satisfies(value: str) -> bool:
            matched = any(operator.match(value, expected) for expected in self.values)
            return matched != operator.negated  # NotEquals: matches none of the values

        if self.set_prefix == "forallvalues":
            return all(satisfies(value) for value in actual or ())  # vacuously true
        if not actual:
            # IAM: a missing key fails a condition, but a negated one holds (nothing equals).
            return self.if_exists or (operator.negated and self.set_prefix is None)
        return any(satisfies(value) for value in actual)


def _parse_operator(name: str) -> tuple[str, str | None, bool]:
    prefix, colon, rest = name.partition(":")
    set_prefix = prefix.lower() if colon else None
    if colon and set_prefix not in SET_PREFIXES:
        raise ValueError(f"unknown condition set operator {prefix!r} in {name!r}")
    base = (rest if colon else name).lower()
    if_exists = base.endswith(IF_EXISTS) and base != IF_EXISTS
    if if_exists:
        base = base[: -len(IF_EXISTS)]
    if base == NULL and (if_exists or set_prefix):
        raise ValueError(f"condition operator {name!r}: IAM allows Null without IfExists only")
    if base not in OPERATORS and base != NULL:
        known = ", ".join(sorted(OPERATORS)) + ", null"
        raise ValueError(f"unknown condition operator {name!r} (the sandbox knows {known})")
    return base, set_prefix, if_exists


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))
        else:
            raise ValueError(f"{where} must be a string or a list of strings, got {item!r}")
    if not out:
        raise ValueError(f"{where} must not be empty")
    return tuple(out)


def _conditions(block: Any) -> tuple[Condition, ...]:
    if not isinstance(block, dict):
        raise ValueError("Condition must be an object of operator -> {key: values}")
    out = []
    for name, keys in block.items():
        base, set_prefix, if_exists = _parse_operator(name)
        if not isinstance(keys, dict) or not keys:
            raise ValueError(f"condition operator {name!r} must map condition keys to values")
        for key, values in keys.items():
            strings = _strings(values, f"Condition {name} {key}")
            out.append(Condition(name, base, key.lower(), strings, set_prefix, if_exists))
    return tuple(out)


@dataclass(frozen=True)
class Statement:
    allow: bool
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[Condition, ...] = ()

    @classmethod
    def parse(cls, raw: Any, index: int) -> Statement:
        where = f"Statement[{index}]"
        if not isinstance(raw, dict):
            raise ValueError(f"{where} must be an object")
        unknown = sorted(set(raw) - STATEMENT_MEMBERS)
        if unknown:
            raise ValueError(f"{where} has unknown members {unknown}")
        if raw.get("Effect") not in ("Allow", "Deny"):
            raise ValueError(f"{where}.Effect must be Allow or Deny, got {raw.get('Effect')!r}")

        def one_of(name: str) -> tuple[tuple[str, ...], bool]:
            given = [key for key in (name, f"Not{name}") if key in raw]
            if len(given) != 1:
                raise ValueError(f"{where} needs exactly one of {name} and Not{name}")
            return _strings(raw[given[0]], f"{where}.{given[0]}"), given[0] != name

        actions, not_action = one_of("Action")
        resources, not_resource = one_of("Resource")
        conditions = _conditions(raw["Condition"]) if "Condition" in raw else ()
        allow = raw["Effect"] == "Allow"
        return cls(allow, actions, not_action, resources, not_resource, conditions)

    def applies(self, action: str, resource: str, context: Mapping[str, tuple[str, ...]]) -> bool:
        action_hit = any(_glob(p, True).fullmatch(action) for p in self.actions)
        resource_hit = any(_glob(p, False).fullmatch(resource) for p in self.resources)
        return (
            action_hit != self.not_action
            and resource_hit != self.not_resource
            and all(condition.holds(context) for condition in self.conditions)
        )


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]

    @classmethod
    def parse(cls, document: Any) -> Policy:
        """A validated policy; a ValueError names what is wrong."""
        if not isinstance(document, dict) or "Statement" not in document:
            raise ValueError("a policy document must be an object with a Statement")
        unknown = sorted(set(document) - {"Version", "Id", "Statement"})
        if unknown:
            raise ValueError(f"policy document has unknown members {unknown}")
        raw = document["Statement"]
        items = raw if isinstance(raw, list) else [raw]
        return cls(tuple(Statement.parse(item, index) for index, item in enumerate(items)))


@dataclass(frozen=True)
class Request:
    """What one call asks IAM: actions, the resource they act on, the condition context."""

    actions: tuple[str, ...]
    resource: str = ANY_RESOURCE
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    action: str | None = None  # the first action denied
    resource: str | None = None
    explicit: bool = False  # denied by a Deny statement (not merely nothing allowing it)


ALLOWED = Decision(True)


def evaluate(policy: Policy, *requests: Request) -> Decision:
    """Each action decided on its own; the first one denied decides the call."""
    for request in requests:
        context = {key.lower(): tuple(values) for key, values in request.context.items()}
        for action in request.actions:
            applying = [
                s for s in policy.statements if s.applies(action, request.resource, context)
            ]
            if any(not statement.allow for statement in applying):
                return Decision(False, action, request.resource, explicit=True)
            if not any(statement.allow for statement in applying):
                return Decision(False, action, request.resource)
    return ALLOWED


# ---- what each Invoicing operation asks for (Service Authorization Reference) ---------------


@dataclass(frozen=True)
class Needs:
    """The IAM actions of one operation and which request member names its resource."""

    own: str  # the invoicing action, evaluated on the resource ARN
    billing: str | None = None  # aws-portal action: it has no resource type, so always on `*`
    arn_member: str | None = None  # None: the action has no resource (Create, List)
    tags_when_sent: bool = False  # Create also needs invoicing:TagResource if tags are sent


PREFERENCE_ARN = "ProcurementPortalPreferenceArn"
MODIFY, VIEW = "aws-portal:ModifyBilling", "aws-portal:ViewBilling"
NEEDS: dict[str, Needs] = {
    "CreateProcurementPortalPreference": Needs(
        "invoicing:CreateProcurementPortalPreference", MODIFY, tags_when_sent=True
    ),
    "GetProcurementPortalPreference": Needs(
        "invoicing:GetProcurementPortalPreference", VIEW, PREFERENCE_ARN
    ),
    "ListProcurementPortalPreferences": Needs("invoicing:ListProcurementPortalPreferences", VIEW),
    "PutProcurementPortalPreference": Needs(
        "invoicing:PutProcurementPortalPreference", MODIFY, PREFERENCE_ARN
    ),
    "DeleteProcurementPortalPreference": Needs(
        "invoicing:DeleteProcurementPortalPreference", MODIFY, PREFERENCE_ARN
    ),
    "UpdateProcurementPortalPreferenceStatus": Needs(
        "invoicing:UpdateProcurementPortalPreferenceStatus", MODIFY, PREFERENCE_ARN
    ),
    "SendProcurementPortalValidation": Needs(
        "invoicing:SendProcurementPortalValidation", None, PREFERENCE_ARN
    ),
    "VerifyProcurementPortalValidation": Needs(
        "invoicing:VerifyProcurementPortalValidation", None, PREFERENCE_ARN
    ),
    "TagResource": Needs("invoicing:TagResource", MODIFY, "ResourceArn"),
    "UntagResource": Needs("invoicing:UntagResource", MODIFY, "ResourceArn"),
    "ListTagsForResource": Needs("invoicing:ListTagsForResource", VIEW, "ResourceArn"),
    "ListProcurementPortals": Needs("invoicing:ListProcurementPortals"),
    "ListProcurementPortalSuppliers": Needs("invoicing:ListProcurementPortalSuppliers"),
}


def resource_of(operation: str, params: Mapping[str, Any]) -> str | None:
    """The ARN an operation acts on (None: it has none, or the request does not name one)."""
    needs = NEEDS.get(operation)
    arn = params.get(needs.arn_member) if needs and needs.arn_member else None
    return arn if isinstance(arn, str) else None


def _sent_tags(params: Mapping[str, Any]) -> dict[str, str]:
    # Called before the request is validated: malformed entries are skipped, never an error.
    tags = params.get("ResourceTags")
    return {
        tag["Key"]: tag["Value"]
        for tag in (tags if isinstance(tags, list) else ())
        if isinstance(tag, dict)
        and isinstance(tag.get("Key"), str)
        and isinstance(tag.get("Value"), str)
    }


TAG_SENDING = ("CreateProcurementPortalPreference", "TagResource")


def context_for(
    operation: str, params: Mapping[str, Any], resource_tags: Mapping[str, str] | None
) -> dict[str, tuple[str, ...]]:
    """aws:ResourceTag/* of an existing resource, aws:RequestTag/* and aws:TagKeys sent."""
    context: dict[str, tuple[str, ...]] = {
        f"aws:ResourceTag/{k}": (v,) for k, v in (resource_tags or {}).items()
    }
    sent = _sent_tags(params) if operation in TAG_SENDING else {}
    context.update({f"aws:RequestTag/{k}": (v,) for k, v in sent.items()})
    keys = list(sent)
    if operation == "UntagResource" and isinstance(params.get("ResourceTagKeys"), list):
        keys = [key for key in params["ResourceTagKeys"] if isinstance(key, str)]
    if operation in TAG_SENDING or operation == "UntagResource":
        context["aws:TagKeys"] = tuple(keys)
    return context


def requests_for(
    operation: str, params: Mapping[str, Any], resource_tags: Mapping[str, str] | None = None
) -> tuple[Request, ...]:
    """The IAM requests a call makes; `resource_tags` are the tags of the existing resource."""
    needs = NEEDS.get(operation)
    if needs is None:
        return ()
    context = context_for(operation, params, resource_tags)
    own = [needs.own]
    if needs.tags_when_sent and _sent_tags(params):
        own.append("invoicing:TagResource")
    resource = resource_of(operation, params) or ANY_RESOURCE
    # One context for the whole call, as IAM builds it per request, not per action.
    requests = [Request(tuple(own), resource, context)]
    if needs.billing:
        requests.append(Request((needs.billing,), ANY_RESOURCE, context))
    return tuple(requests)


def denial_message(principal: str, decision: Decision) -> str:
    """The AccessDeniedException message AWS writes for an identity-policy denial."""
    reason = (
        "with an explicit deny in an identity-based policy"
        if decision.explicit
        else f"because no identity-based policy allows the {decision.action} action"
    )
    return (
        f"User: {principal} is not authorized to perform: {decision.action} "
        f"on resource: {decision.resource} {reason}"
    )
