"""The emulated operations: validation, idempotency, the status model and the store, no HTTP.

`Service.call(account, operation, params)` is the whole API: it checks the request against the
model's input shape, then runs the operation in one SQLite transaction (honouring ClientToken),
and returns the response reduced to the model's output shape.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from controller.sandbox.aws import idempotency, lifecycle, rules, shapes, suppliers
from controller.sandbox.aws.catalog import portal_catalog
from controller.sandbox.aws.errors import (
    ApiError,
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    UnknownOperationException,
    ValidationException,
)
from controller.sandbox.aws.paging import PageTokens
from controller.sandbox.aws.shapes import FieldError
from controller.sandbox.aws.store import Store, Tx

DEFAULT_ACCOUNT = "123456789012"
# MaxResults when a List request omits it: AWS documents 100 for the portal and supplier
# lists; for preferences it documents none, and 20 is our model.
DEFAULT_MAX_RESULTS = {
    "ListProcurementPortalPreferences": 20,
    "ListProcurementPortals": 100,
    "ListProcurementPortalSuppliers": 100,
}
# Optional members AWS fills in when a write omits them (the API Reference's defaults).
DEFAULTS = {"MarketplacePunchOutEnabled": False}
MAX_TAGS_PER_RESOURCE = 200
ARN = "ProcurementPortalPreferenceArn"
RESOURCE_TYPE = "ProcurementPortalPreference"
# Fields the service owns: a Put keeps them, a drift may not touch the identifying ones.
SYSTEM_FIELDS = ("AwsAccountId", ARN, "Version", "CreateDate", "LastUpdateDate")
STATUS_FIELDS = tuple(
    name for feature in lifecycle.FEATURES for name in (feature.status, feature.reason)
)
CONNECTION_FIELDS = ("ProcurementPortalInstanceEndpoint", "ProcurementPortalSharedSecret")
REQUEST_ONLY = ("ClientToken", "ResourceTags")
PO_ENDPOINT = "PurchaseOrderRetrievalEndpoint"


def immutable_fields() -> tuple[str, ...]:
    """Create members that Put cannot change (read from the model)."""
    create = shapes.operation("CreateProcurementPortalPreference").input_shape.members
    put = shapes.operation("PutProcurementPortalPreference").input_shape.members
    return tuple(name for name in create if name not in put and name not in REQUEST_ONLY)


def account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else None


def _invalid(errors: list[FieldError], reason: str = "invalidInput") -> ValidationException:
    return ValidationException.from_fields(errors, reason)


@dataclass(frozen=True)
class Operation:
    handler: Callable[[Service, Tx, str, dict[str, Any]], dict[str, Any]]
    writes: bool


class Service:
    def __init__(
        self,
        store: Store,
        clock: Callable[[], float] = time.time,
        new_code: Callable[[], str] = lambda: f"{secrets.randbelow(10**8):08d}",
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_code = new_code
        self._pages = PageTokens(hashlib.sha256(f"sandbox:{store.path}".encode()).digest())

    # ---- the API --------------------------------------------------------------------------

    def call(self, account: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        spec = OPERATIONS.get(operation)
        if spec is None:
            raise UnknownOperationException(unknown_operation_message(operation))
        model = shapes.operation(operation)
        errors = shapes.check(model.input_shape, params)
        if errors:
            raise _invalid(errors, "fieldValidationFailed")
        params = shapes.without_nulls(params)  # a JSON null member is an absent one
        token_member = idempotency.idempotency_member(operation)
        token = params.get(token_member) if token_member else None
        with self.store.write() if spec.writes else self.store.read() as tx:
            if token:
                request_hash = idempotency.request_hash(params, token_member or "")
                seen = tx.token(account, operation, token)
                if seen is not None:
                    if seen[0] != request_hash:
                        raise idempotency.token_reused(operation, token, RESOURCE_TYPE)
                    return seen[1]
            result = shapes.project(model.output_shape, spec.handler(self, tx, account, params))
            if token:
                tx.remember_token(account, operation, token, request_hash, result, self.clock())
        return result or {}

    def resource_tags(self, account: str, arn: str) -> dict[str, str] | None:
        """The tags of the account's preference `arn`, None when there is no such preference."""
        with self.store.read() as tx:
            doc = tx.get(arn) if account_of(arn) == account else None
            if doc is None or doc.get("AwsAccountId") != account:
                return None
            return tx.tags(arn)

    # ---- helpers --------------------------------------------------------------------------

    def now(self) -> float:
        return round(self.clock(), 3)

    def _load(self, tx: Tx, account: str, arn: str) -> dict[str, Any]:
        doc = tx.get(arn) if account_of(arn) == account else None
        if doc is None or doc.get("AwsAccountId") != account:
            raise ResourceNotFoundException(
                f"Procurement portal preference {arn} does not exist", resourceName=arn
            )
        return doc

    def save(self, tx: Tx, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Store `after` as a new version when it differs from `before`."""
        if after == before:
            return
        after["Version"] = before["Version"] + 1
        after["LastUpdateDate"] = self.now()
        tx.update(after[ARN], after)

    def _check_rules(self, doc: dict[str, Any]) -> None:
        errors = rules.violations(doc)
        if errors:
            raise _invalid(errors)

    @staticmethod
    def _check_tags(tags: list[dict[str, str]], path: str) -> None:
        errors = [
            error
            for index, tag in enumerate(tags)
            for error in rules.tag_violations(tag["Key"], tag["Value"], f"{path}[{index}]")
        ]
        if errors:
            raise _invalid(errors)

    @staticmethod
    def _check_tag_keys(keys: list[str], path: str) -> None:
        errors = [
            error
            for index, key in enumerate(keys)
            for error in rules.tag_key_violations(key, f"{path}[{index}]")
        ]
        if errors:
            raise _invalid(errors)

    @staticmethod
    def _synthesize_endpoints(doc: dict[str, Any]) -> None:
        """The endpoint the portal sends purchase orders to, while PO retrieval is on."""
        pid = doc[ARN].rsplit("/", 1)[1]
        test_env = doc.get("TestEnvPreference")
        if doc.get("PurchaseOrderRetrievalEnabled") is True:
            doc[PO_ENDPOINT] = f"https://po.sandbox.invalid/{pid}/cxml"
            if isinstance(test_env, dict):
                test_env[PO_ENDPOINT] = f"https://po-test.sandbox.invalid/{pid}/cxml"
        else:
            doc.pop(PO_ENDPOINT, None)
            if isinstance(test_env, dict):
                test_env.pop(PO_ENDPOINT, None)

    # ---- operations -----------------------------------------------------------------------

    def create(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        doc = DEFAULTS | {key: value for key, value in params.items() if key not in REQUEST_ONLY}
        self._check_rules(doc)
        self._check_tags(params.get("ResourceTags", []), "ResourceTags")
        arn = f"arn:aws:invoicing::{account}:procurement-portal-preference/{uuid.uuid4()}"
        now = self.now()
        doc.update(
            {"AwsAccountId": account, ARN: arn, "Version": 1, "CreateDate": now}
            | {"LastUpdateDate": now}
        )
        lifecycle.apply(doc, lifecycle.Event.CREATE)
        self._synthesize_endpoints(doc)
        tx.insert(arn, account, doc)
        tags = {tag["Key"]: tag["Value"] for tag in params.get("ResourceTags", [])}
        if tags:
            tx.put_tags(arn, tags)
        return {ARN: arn}

    def get(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"ProcurementPortalPreference": self._load(tx, account, params[ARN])}

    def list_preferences(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        operation = "ListProcurementPortalPreferences"
        after = self._pages.position(operation, account, params.get("NextToken"))
        limit = params.get("MaxResults", DEFAULT_MAX_RESULTS[operation])
        rows = tx.page(account, after, limit + 1)
        result: dict[str, Any] = {"ProcurementPortalPreferences": [doc for _, doc in rows[:limit]]}
        if len(rows) > limit:
            result["NextToken"] = self._pages.token(operation, account, rows[limit - 1][0])
        return result

    def put(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        """A full write of the mutable fields; what it does to statuses is OUR MODEL.

        AWS does not document what Put does to a live preference. We model: a feature switched
        off loses its status, one switched on starts PENDING_VERIFICATION, and a changed
        production endpoint or secret sends enabled features back to PENDING_VERIFICATION
        (lifecycle.TABLE, Event.CONNECTION_CHANGED). docs/sandbox.md lists every such choice.
        """
        before = self._load(tx, account, params[ARN])
        kept = (*immutable_fields(), *SYSTEM_FIELDS, *STATUS_FIELDS)
        after = {key: copy.deepcopy(before[key]) for key in kept if key in before}
        after.update(DEFAULTS | {k: v for k, v in params.items() if k not in REQUEST_ONLY})
        self._check_rules(after)
        connection_changed = any(before.get(k) != after.get(k) for k in CONNECTION_FIELDS)
        for feature in lifecycle.FEATURES:
            was, now = lifecycle.enabled(before, feature), lifecycle.enabled(after, feature)
            if was and not now:
                lifecycle.disable(after, feature)
            elif now and not was:
                lifecycle.apply(after, lifecycle.Event.ENABLE, (feature,))
            elif now and connection_changed:
                lifecycle.apply(after, lifecycle.Event.CONNECTION_CHANGED, (feature,))
        if connection_changed:
            tx.use_code(after[ARN])  # a code sent to the old endpoint no longer proves anything
        self._synthesize_endpoints(after)
        after["Version"] = before["Version"] + 1  # Put is a write even when nothing changed
        after["LastUpdateDate"] = self.now()
        tx.update(after[ARN], after)
        return {ARN: after[ARN]}

    def delete(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        arn = self._load(tx, account, params[ARN])[ARN]
        tx.delete(arn)
        return {ARN: arn}

    def update_status(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        requests = [
            (feature, params[feature.status], params.get(feature.reason))
            for feature in lifecycle.FEATURES
            if params.get(feature.status) is not None
        ]
        if not requests:
            names = " or ".join(feature.status for feature in lifecycle.FEATURES)
            raise _invalid([FieldError("", f"At least one of {names} is required")])
        before = self._load(tx, account, params[ARN])
        after = copy.deepcopy(before)
        for feature, requested, reason in requests:
            event = lifecycle.REQUESTABLE.get(requested)
            try:
                if event is None:
                    current = after.get(feature.status)
                    raise lifecycle.TransitionError(feature, current, requested)
                lifecycle.apply(after, event, (feature,), reason=reason, requested=requested)
            except lifecycle.TransitionError as exc:
                raise ConflictException(
                    str(exc), resourceId=before[ARN], resourceType=RESOURCE_TYPE
                ) from None
        self.save(tx, before, after)
        return {ARN: before[ARN]}

    def send_validation(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        doc = self._load(tx, account, params[ARN])
        pending = [
            feature
            for feature in lifecycle.FEATURES
            if lifecycle.enabled(doc, feature)
            and doc.get(feature.status) == lifecycle.PENDING_VERIFICATION
        ]
        if not pending:
            statuses = ", ".join(
                f"{feature.status}={doc.get(feature.status)}" for feature in lifecycle.FEATURES
            )
            raise _invalid(
                [FieldError(ARN, f"No enabled feature is PENDING_VERIFICATION ({statuses})")]
            )
        tx.issue_code(doc[ARN], self.new_code(), self.clock())
        return {ARN: doc[ARN]}

    def verify_validation(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        before = self._load(tx, account, params[ARN])
        issued = tx.code(before[ARN])
        if issued is None or issued[1]:
            raise _invalid(
                [
                    FieldError(
                        "Code",
                        "No validation code is outstanding for this preference; "
                        "call SendProcurementPortalValidation first",
                    )
                ]
            )
        if not hmac.compare_digest(issued[0], params["Code"]):
            raise _invalid([FieldError("Code", "Code does not match the validation code sent")])
        after = copy.deepcopy(before)
        lifecycle.apply(after, lifecycle.Event.VERIFY)
        tx.use_code(before[ARN])
        self.save(tx, before, after)
        return {ARN: before[ARN]}

    def list_portals(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        operation = "ListProcurementPortals"
        start = self._pages.position(operation, account, params.get("NextToken"))
        limit = params.get("MaxResults", DEFAULT_MAX_RESULTS[operation])
        catalog = portal_catalog()
        result: dict[str, Any] = {"ProcurementPortals": catalog[start : start + limit]}
        if start + limit < len(catalog):
            result["NextToken"] = self._pages.token(operation, account, start + limit)
        return result

    def list_suppliers(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        operation = "ListProcurementPortalSuppliers"
        portal = params["PortalIdentifier"]
        table = suppliers.of_portal(portal)
        if table is None:
            raise ResourceNotFoundException(
                f"Procurement portal {portal} does not exist", resourceName=portal
            )
        # The token is bound to the portal too: page 2 of COUPA is no page of SAP's list.
        scope = f"{account}/{portal}"
        start = self._pages.position(operation, scope, params.get("NextToken"))
        limit = params.get("MaxResults", DEFAULT_MAX_RESULTS[operation])
        result: dict[str, Any] = {"ProcurementPortalSuppliers": table[start : start + limit]}
        if start + limit < len(table):
            result["NextToken"] = self._pages.token(operation, scope, start + limit)
        return result

    def _tagged(self, tx: Tx, account: str, arn: str) -> str:
        if ":procurement-portal-preference/" not in arn:
            raise ResourceNotFoundException(
                f"Resource {arn} does not exist (the sandbox tags procurement portal "
                "preferences only)",
                resourceName=arn,
            )
        stored: str = self._load(tx, account, arn)[ARN]
        return stored

    def tag(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        arn = self._tagged(tx, account, params["ResourceArn"])
        self._check_tags(params["ResourceTags"], "ResourceTags")
        tags = {tag["Key"]: tag["Value"] for tag in params["ResourceTags"]}
        if len(tx.tags(arn).keys() | tags.keys()) > MAX_TAGS_PER_RESOURCE:
            raise ServiceQuotaExceededException(
                f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags"
            )
        tx.put_tags(arn, tags)
        return {}

    def untag(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        keys = params["ResourceTagKeys"]
        self._check_tag_keys(keys, "ResourceTagKeys")
        arn = self._tagged(tx, account, params["ResourceArn"])
        tx.delete_tags(arn, keys)
        return {}

    def list_tags(self, tx: Tx, account: str, params: dict[str, Any]) -> dict[str, Any]:
        arn = self._tagged(tx, account, params["ResourceArn"])
        return {"ResourceTags": [{"Key": k, "Value": v} for k, v in tx.tags(arn).items()]}

    def reset(self) -> None:
        with self.store.write() as tx:
            tx.reset()


OPERATIONS: dict[str, Operation] = {
    "CreateProcurementPortalPreference": Operation(Service.create, True),
    "GetProcurementPortalPreference": Operation(Service.get, False),
    "ListProcurementPortalPreferences": Operation(Service.list_preferences, False),
    "PutProcurementPortalPreference": Operation(Service.put, True),
    "DeleteProcurementPortalPreference": Operation(Service.delete, True),
    "UpdateProcurementPortalPreferenceStatus": Operation(Service.update_status, True),
    "SendProcurementPortalValidation": Operation(Service.send_validation, True),
    "VerifyProcurementPortalValidation": Operation(Service.verify_validation, True),
    "ListProcurementPortals": Operation(Service.list_portals, False),
    "ListProcurementPortalSuppliers": Operation(Service.list_suppliers, False),
    "TagResource": Operation(Service.tag, True),
    "UntagResource": Operation(Service.untag, True),
    "ListTagsForResource": Operation(Service.list_tags, False),
}


def unknown_operation_message(operation: str) -> str:
    if operation in shapes.service_model().operation_names:
        return f"The sandbox does not implement Invoicing.{operation}; it emulates " + ", ".join(
            OPERATIONS
        )
    return f"Unknown operation Invoicing.{operation}"


__all__ = ["DEFAULT_ACCOUNT", "OPERATIONS", "ApiError", "Service"]
