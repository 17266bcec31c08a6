"""Read Coupa: per integration with spec.coupa, on each of its instances, the supplier (by its
exact name: Coupa has no tags) and each commodity (by name). Secrets are kept only as digests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from controller.config.model import Integration
from controller.engine.desired import secret_digest
from controller.providers.coupa.client import CoupaClient, CoupaError
from controller.providers.coupa.resources import (
    COMMODITIES,
    SECRET_FIELDS,
    SUPPLIER_FIELDS,
    SUPPLIERS,
    endpoint,
    environments,
    host_of,
)
from controller.providers.coupa.state import Commodity, CoupaObserved, InstanceState


@dataclass(frozen=True)
class Unreachable:
    """An instance this run cannot read, and why (e.g. its client secret is not available)."""

    reference: str
    reason: str
    skipped: bool = False  # not read on purpose (--no-secrets)


Access = CoupaClient | Unreachable


def supplier_fields(record: Mapping[str, Any]) -> tuple[tuple[str, object], ...]:
    """The compared fields of a supplier as Coupa returns it; secrets as digests."""
    out: list[tuple[str, object]] = []
    for name in SUPPLIER_FIELDS:
        value = record.get(name)
        if name in SECRET_FIELDS and isinstance(value, str) and value:
            value = secret_digest(value)
        out.append((name, value))
    return tuple(out)


def read_instance(access: Access, item: Integration, environment: str) -> InstanceState:
    assert item.coupa is not None
    host = host_of(endpoint(item, environment).instance_url)
    base = InstanceState(item.name, environment, host)
    if isinstance(access, Unreachable):
        return replace(
            base, error=access.reason, reference=access.reference, skipped=access.skipped
        )
    try:
        record = access.find_one(SUPPLIERS, name=item.coupa.supplier.name)
        commodities = []
        for code, name in item.coupa.commodities:
            found = access.find_one(COMMODITIES, name=name)
            commodities.append(
                (
                    code,
                    Commodity(name, int(found["id"]), bool(found.get("active")))
                    if found
                    else Commodity(name, None),
                )
            )
    except CoupaError as exc:
        return replace(base, error=str(exc), reference=f"Coupa at {host}")
    return replace(
        base,
        supplier=supplier_fields(record) if record is not None else None,
        supplier_id=int(record["id"]) if record is not None else None,
        commodities=tuple(commodities),
    )


def observe(
    items: Iterable[Integration], access: Mapping[tuple[str, str], Access]
) -> CoupaObserved:
    """Every managed instance of every item; `access` by (integration, environment)."""
    return CoupaObserved(
        tuple(
            read_instance(access[(item.name, env)], item, env)
            for item in items
            for env in environments(item)
        )
    )
