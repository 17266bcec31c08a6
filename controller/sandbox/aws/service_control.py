"""The service's side of the control endpoints: test hooks that reach any account.

A console user's drift, the Coupa side of a go-live (the validation code AWS sent, a
connection test), tags AWS's own checks would refuse. Refusals are `ControlError`s.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from controller.sandbox.aws import lifecycle, shapes
from controller.sandbox.aws.service import SYSTEM_FIELDS
from controller.sandbox.aws.store import Tx
from controller.sandbox.control_error import ControlError

if TYPE_CHECKING:
    from controller.sandbox.aws.service import Service


def _load_any(tx: Tx, arn: str) -> dict[str, Any]:
    doc = tx.get(arn)
    if doc is None:
        raise ControlError(404, f"no procurement portal preference {arn}")
    return doc


def validation_code(service: Service, arn: str) -> str:
    with service.store.read() as tx:
        _load_any(tx, arn)
        issued = tx.code(arn)
    if issued is None:
        raise ControlError(404, f"no validation code was sent for {arn}")
    return issued[0]


def connection_test(
    service: Service, arn: str, passed: bool, feature: str | None
) -> dict[str, Any]:
    event = lifecycle.Event.TEST_PASSED if passed else lifecycle.Event.TEST_FAILED
    if feature is not None and feature not in lifecycle.FEATURE_BY_NAME:
        known = ", ".join(lifecycle.FEATURE_BY_NAME)
        raise ControlError(400, f"unknown feature {feature!r}; expected one of {known}")
    with service.store.write() as tx:
        before = _load_any(tx, arn)
        features = (lifecycle.FEATURE_BY_NAME[feature],) if feature else lifecycle.FEATURES
        candidates = [f for f in features if lifecycle.enabled(before, f)]
        applicable = [f for f in candidates if lifecycle.can_apply(event, before.get(f.status))]
        if not applicable or (feature and len(applicable) < len(features)):
            sources = ", ".join(str(s) for s in lifecycle.TABLE[event].moves)
            statuses = ", ".join(f"{f.status}={before.get(f.status)}" for f in features)
            raise ControlError(
                409,
                f"a connection test runs only on an enabled feature in {sources}; "
                f"{arn} has {statuses}",
            )
        after = copy.deepcopy(before)
        lifecycle.apply(after, event, tuple(applicable))
        service.save(tx, before, after)
    return after


def plant_tags(service: Service, arn: str, tags: dict[str, Any]) -> dict[str, str]:
    """Store tags unchecked: what a reader must survive even if AWS's own checks let it by."""
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ControlError(400, "tags must be a JSON object of strings")
    with service.store.write() as tx:
        _load_any(tx, arn)
        tx.put_tags(arn, tags)
        return tx.tags(arn)


def drift(service: Service, arn: str, changes: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(changes, dict) or not changes:
        raise ControlError(400, "changes must be a non-empty JSON object")
    protected = sorted(set(changes) & set(SYSTEM_FIELDS))
    if protected:
        raise ControlError(400, f"drift cannot change {', '.join(protected)}")
    shape = shapes.operation("GetProcurementPortalPreference").output_shape
    with service.store.write() as tx:
        before = _load_any(tx, arn)
        after = _merge(copy.deepcopy(before), changes)
        errors = shapes.check(shape.members["ProcurementPortalPreference"], after)
        if errors:
            raise ControlError(400, "; ".join(error.sentence() for error in errors))
        after["Version"] = before["Version"] + 1  # a console "save" is a write
        after["LastUpdateDate"] = service.now()
        tx.update(arn, after)
    return after


def _merge(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `changes` into `doc`; a null deletes the member."""
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        elif isinstance(value, dict) and isinstance(doc.get(key), dict):
            _merge(doc[key], value)
        else:
            doc[key] = value
    return doc
