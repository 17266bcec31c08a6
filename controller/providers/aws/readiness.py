"""The AWS provider's readiness checks, read from the live statuses and AWS's supplier list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from controller.config.model import PORTAL, Integration
from controller.engine.readiness import Check
from controller.providers.aws.state import (
    ACTIVE,
    FEATURE_LABELS,
    PENDING,
    SUSPENDED,
    TEST_FAILED,
    TEST_INITIALIZATION_FAILED,
    TEST_INITIALIZED,
    LivePreference,
    SupplierList,
)

Move = tuple[str, str | None, str]  # (feature, status now, status wanted)


def _activation_check(item: Integration, today: date) -> Check | None:
    when = item.einvoice.activation_date
    if not item.einvoice.enabled or when is None:
        return None
    if when <= today:
        return Check("activation date reached", True, f"e-invoice activation date {when} has come")
    return Check("activation date reached", False, f"e-invoice activation date is {when} (later)")


SUPPLIER_CHECK = "supplier identity is AWS's"
# Which of AWS's environments each endpoint of a file must name a supplier identity of.
SUPPLIER_ENVIRONMENTS = (("production", "PROD"), ("test", "TEST"))


def supplier_checks(item: Integration, listing: SupplierList | None) -> tuple[Check, ...]:
    """Per endpoint: is its supplier identity one AWS lists for that environment?"""
    if listing is None:
        return ()  # not read in this run (unit plans): nothing to say
    checks = []
    for endpoint_name, environment in SUPPLIER_ENVIRONMENTS:
        endpoint = getattr(item, endpoint_name)
        if endpoint is None:
            continue
        identity = endpoint.supplier.identity
        where = f"{environment} on {PORTAL} in account {item.account}"
        if listing.error is not None:
            detail = f"{endpoint_name} {identity}: AWS's list ({where}) could not be read: "
            checks.append(Check(SUPPLIER_CHECK, False, detail + listing.error))
            continue
        found = listing.find(identity, environment)
        if found is not None:
            seller = (
                f" (seller of record {found.seller_of_record})" if found.seller_of_record else ""
            )
            detail = f"{endpoint_name} {identity} is one of AWS's {where}{seller}"
            checks.append(Check(SUPPLIER_CHECK, True, detail))
            continue
        known = ", ".join(s.identifier for s in listing.suppliers if s.environment == environment)
        detail = (
            f"{endpoint_name} {identity} is not one of AWS's {where} "
            f"(AWS lists: {known or 'none'}); fix spec.{endpoint_name}.supplier.identity"
        )
        checks.append(Check(SUPPLIER_CHECK, False, detail))
    return tuple(checks)


def _feature_checks(feature: str, status: str | None) -> tuple[Check, ...]:
    label = FEATURE_LABELS[feature]
    if status == SUSPENDED:
        return (Check(f"{label} was live before", True, f"status {status}"),)
    failed = status in (TEST_FAILED, TEST_INITIALIZATION_FAILED)
    return (
        Check(
            f"{label} endpoint validated",
            status not in (None, PENDING),
            f"status {status or 'unknown'}"
            + ("; run `coupa-gitops verify-endpoint`" if status == PENDING else ""),
        ),
        Check(
            f"{label} connection test passed",
            status == TEST_INITIALIZED,
            f"status {status or 'unknown'}"
            + ("; fix the Coupa side and rerun the connection test" if failed else ""),
        ),
    )


def activate_checks(
    item: Integration,
    live: LivePreference | None,
    moves: Sequence[Move],
    today: date,
    revalidates: bool,
) -> tuple[Check, ...]:
    """What must hold before the features in `moves` may go ACTIVE."""
    if live is None:
        return (Check("exists in AWS", False, "created by this apply; validate and test it first"),)
    checks: list[Check] = []
    if revalidates:
        checks.append(
            Check(
                "endpoint unchanged",
                False,
                "this plan changes the production endpoint or secret: AWS will "
                "require validation and a connection test again",
            )
        )
    for feature, now, target in moves:
        if target == ACTIVE and not revalidates:
            checks.extend(_feature_checks(feature, now))
    activation = _activation_check(item, today)
    if activation:
        checks.append(activation)
    return tuple(checks)


def suspend_checks(live: LivePreference | None, moves: Sequence[Move]) -> tuple[Check, ...]:
    """What must hold before the features in `moves` may be SUSPENDED."""
    if live is None:
        return (Check("is live", False, "does not exist in AWS yet"),)
    return tuple(
        Check(f"{FEATURE_LABELS[f]} is live", now == ACTIVE, f"status {now or 'unknown'}")
        for f, now, target in moves
        if target == SUSPENDED
    )
