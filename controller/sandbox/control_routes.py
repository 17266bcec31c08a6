"""The control endpoints under `/_sandbox/`: the test hooks of both emulators.

`serve` parses a control request; `dispatch` sends `coupa/...` to the Coupa emulator and every
other route to `CONTROL_ROUTES`. Refusals are `ControlError`s, answered `{"error": message}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from controller.sandbox.aws import service_control
from controller.sandbox.aws.errors import ApiError
from controller.sandbox.aws.service import DEFAULT_ACCOUNT
from controller.sandbox.control_error import ControlError

if TYPE_CHECKING:
    from controller.sandbox.app import App
    from controller.sandbox.handler import Handler

CONTROL_PREFIX = "/_sandbox/"
ACCOUNT_ID = re.compile(r"\d{12}")


def serve(handler: Handler, method: str) -> None:
    """Answer the handler's current request to a control endpoint."""
    parts = urlsplit(handler.path)
    try:
        raw = handler.read_body() if method in ("POST", "PUT") else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise ControlError(400, f"body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise ControlError(400, "body must be a JSON object")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        route = parts.path[len(CONTROL_PREFIX) :].strip("/")
        status, payload = 200, dispatch(handler.server.app, method, route, query, body)
    except ControlError as exc:
        status, payload = exc.status, {"error": exc.message}
    except ApiError as exc:
        status, payload = exc.status, {"error": exc.message}
    handler.send_json(status, payload)


def dispatch(app: App, method: str, route: str, query: dict[str, str], body: dict[str, Any]) -> Any:
    if route.startswith("coupa/"):
        return app.coupa.control(method, route.removeprefix("coupa/"), {**query, **body})
    handler = CONTROL_ROUTES.get((method, route))
    if handler is None:
        known = ", ".join(f"{m} {CONTROL_PREFIX}{r}" for m, r in CONTROL_ROUTES)
        raise ControlError(404, f"no control endpoint {method} {route}; known: {known}")
    args = {**query, **body}
    try:
        return handler(app, args)
    except (KeyError, TypeError, ValueError) as exc:
        raise ControlError(400, f"bad control request: {exc}") from None


def _health(app: App, args: dict[str, Any]) -> Any:
    return {"ok": True}


def _validation_code(app: App, args: dict[str, Any]) -> Any:
    arn = args["arn"]
    return {"arn": arn, "code": service_control.validation_code(app.service, arn)}


def _connection_test(app: App, args: dict[str, Any]) -> Any:
    passed = args["passed"]
    if not isinstance(passed, bool):
        raise ValueError("passed must be true or false")
    return service_control.connection_test(app.service, args["arn"], passed, args.get("feature"))


def _drift(app: App, args: dict[str, Any]) -> Any:
    return service_control.drift(app.service, args["arn"], args["changes"])


def _plant_tags(app: App, args: dict[str, Any]) -> Any:
    return service_control.plant_tags(app.service, args["arn"], args["tags"])


def _reset(app: App, args: dict[str, Any]) -> Any:
    app.service.reset()
    app.identity.reset()
    app.coupa.reset()
    _reset_calls(app, args)
    return {"reset": True}


def _organization(app: App, args: dict[str, Any]) -> Any:
    members = args.get("members", [])
    if not isinstance(members, list):
        raise ValueError("members must be a list of account ids")
    return app.identity.set_organization(str(args["management"]), [str(m) for m in members])


def _get_faults(app: App, args: dict[str, Any]) -> Any:
    return app.faults.settings()


def _set_faults(app: App, args: dict[str, Any]) -> Any:
    known = {"latency_ms", "fault_rate", "throttle_rate", "seed"}
    unknown = sorted(set(args) - known)
    if unknown:
        raise ValueError(f"unknown fault settings {unknown}; known: {sorted(known)}")
    return app.faults.update(**args)


def _get_calls(app: App, args: dict[str, Any]) -> Any:
    with app.lock:
        return dict(app.calls)


def _reset_calls(app: App, args: dict[str, Any]) -> Any:
    with app.lock:
        app.calls.clear()
    return {}


def _get_policies(app: App, args: dict[str, Any]) -> Any:
    return {"policies": app.policies.documents()}


def _set_policy(app: App, args: dict[str, Any]) -> Any:
    app.policies.set(args["accessKey"], args.get("policy"))
    return {"policies": app.policies.documents()}


def _get_accounts(app: App, args: dict[str, Any]) -> Any:
    with app.lock:
        return {"default": DEFAULT_ACCOUNT, "accounts": dict(app.accounts)}


def _map_account(app: App, args: dict[str, Any]) -> Any:
    key, account = args["access_key_id"], args["account_id"]
    if not isinstance(key, str) or not key:
        raise ValueError("access_key_id must be a non-empty string")
    if not isinstance(account, str) or not ACCOUNT_ID.fullmatch(account):
        raise ValueError(f"account_id must be 12 digits, got {account!r}")
    with app.lock:
        app.accounts[key] = account
        return {"default": DEFAULT_ACCOUNT, "accounts": dict(app.accounts)}


CONTROL_ROUTES: dict[tuple[str, str], Callable[[App, dict[str, Any]], Any]] = {
    ("GET", "health"): _health,
    ("GET", "validation-code"): _validation_code,
    ("POST", "connection-test"): _connection_test,
    ("POST", "drift"): _drift,
    ("POST", "tags"): _plant_tags,
    ("POST", "reset"): _reset,
    ("POST", "organization"): _organization,
    ("GET", "faults"): _get_faults,
    ("POST", "faults"): _set_faults,
    ("GET", "calls"): _get_calls,
    ("POST", "calls/reset"): _reset_calls,
    ("GET", "accounts"): _get_accounts,
    ("POST", "accounts"): _map_account,
    ("GET", "policies"): _get_policies,
    ("PUT", "policies"): _set_policy,
}
