"""The Coupa emulator's test hooks under `/_sandbox/coupa/...` (`CoupaEmulator.control` runs
them under the emulator's lock): clients, token lifetime and revocation, records as stored,
seeding, drift, faults, the rate limit, call counters, reset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from controller.sandbox.control_error import ControlError
from controller.sandbox.coupa import model
from controller.sandbox.coupa.app import (
    BURST,
    RATE_PER_S,
    Bucket,
    CoupaEmulator,
    Fault,
    tenant_host,
)
from controller.sandbox.coupa.model import RESOURCES


def _set_client(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    client_id, secret = args["client_id"], args["client_secret"]
    if not isinstance(client_id, str) or not client_id or not isinstance(secret, str):
        raise ValueError("client_id and client_secret must be strings")
    tenant = emulator.tenant(args["host"])
    tenant.clients[client_id] = secret
    return {"host": tenant.host, "clients": sorted(tenant.clients)}


def _set_token_lifetime(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    seconds = float(args["seconds"])
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    tenant = emulator.tenant(args["host"])
    tenant.token_lifetime = seconds
    return {"host": tenant.host, "seconds": seconds}


def _revoke_tokens(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    tenant = emulator.tenant(args["host"])
    revoked = len(tenant.tokens)
    tenant.tokens.clear()
    return {"host": tenant.host, "revoked": revoked}


def _suppliers(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    return _raw(emulator, args["host"], "suppliers")


def _commodities(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    return _raw(emulator, args["host"], "commodities")


def _raw(emulator: CoupaEmulator, host: str, resource: str) -> list[dict[str, Any]]:
    table = emulator.tenant(host).records[resource]
    return [dict(record) for _, record in sorted(table.items())]


def _seed(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    """Create records through the API's validation, without token, faults or rate limit."""
    tenant = emulator.tenant(args["host"])
    resource = RESOURCES[args.get("resource", "suppliers")]
    records = args["records"]
    if not isinstance(records, list):
        raise ValueError("records must be a list of objects")
    return [emulator.create(tenant, resource, record) for record in records]


def _drift(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    """Change a record behind the tool's back: known fields only, no rule is checked."""
    tenant = emulator.tenant(args["host"])
    resource = RESOURCES[args.get("resource", "suppliers")]
    table = tenant.records[resource.plural]
    if "id" in args:
        record = table.get(int(args["id"]))
    else:
        record = next((r for r in table.values() if r.get("name") == args["name"]), None)
    if record is None:
        raise ControlError(404, f"no {resource.singular} {args.get('id', args.get('name'))!r}")
    changes = args["changes"]
    if not isinstance(changes, dict):
        raise ValueError("changes must be an object")
    unknown = [k for k in changes if model.canonical(k) not in resource.fields]
    if unknown:
        raise ValueError(f"unknown attributes {unknown}")
    record.update({model.canonical(k): v for k, v in changes.items()})
    record["updated-at"] = emulator.now()
    return dict(record)


def _inject(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    status, count = int(args["status"]), int(args.get("count", 1))
    if status not in (401, 429, 500, 502, 503, 504) or count < 1:
        raise ValueError("status must be 401, 429, 500, 502, 503 or 504; count at least 1")
    target = args.get("target", "api")
    if target not in ("api", "token", "any"):
        raise ValueError("target must be api, token or any")
    retry_after = int(args.get("retry_after", 1))
    tenant = emulator.tenant(args["host"])
    tenant.faults.extend([Fault(status, retry_after, target)] * count)
    return {"host": tenant.host, "pending": len(tenant.faults)}


def _set_rate_limit(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    rate, burst = float(args.get("rate", RATE_PER_S)), int(args.get("burst", BURST))
    if rate < 0 or burst < 1:
        raise ValueError("rate must be >= 0 (0 turns the limit off) and burst >= 1")
    tenant = emulator.tenant(args["host"])
    tenant.bucket = Bucket(rate, burst, burst)
    return {"host": tenant.host, "rate": rate, "burst": burst}


def _calls(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    return dict(emulator.tenant(args["host"]).calls)


def _reset_calls(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    tenants = [emulator.tenant(args["host"])] if "host" in args else emulator.tenants.values()
    for tenant in tenants:
        tenant.calls.clear()
    return {}


def _reset(emulator: CoupaEmulator, args: dict[str, Any]) -> Any:
    if "host" in args:
        emulator.tenants.pop(tenant_host(args["host"]), None)
    else:
        emulator.tenants.clear()
    return {"reset": True}


CONTROL_ROUTES: dict[tuple[str, str], Callable[[CoupaEmulator, dict[str, Any]], Any]] = {
    ("PUT", "clients"): _set_client,
    ("PUT", "token-lifetime"): _set_token_lifetime,
    ("POST", "tokens/revoke"): _revoke_tokens,
    ("GET", "suppliers"): _suppliers,
    ("GET", "commodities"): _commodities,
    ("POST", "seed"): _seed,
    ("POST", "drift"): _drift,
    ("POST", "faults"): _inject,
    ("PUT", "rate-limit"): _set_rate_limit,
    ("GET", "calls"): _calls,
    ("POST", "calls/reset"): _reset_calls,
    ("POST", "reset"): _reset,
}
