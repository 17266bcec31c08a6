"""AWS JSON 1.0 dispatch on `POST /`: target, faults, caller, policy, then the service.

Every refusal answers like AWS (`__type`, `x-amzn-ErrorType`, `x-amzn-RequestId`); a sandbox
bug answers InternalServerException and keeps the trace on stderr.
"""

from __future__ import annotations

import functools
import json
import time
import traceback
import uuid
from typing import TYPE_CHECKING, Any

from controller.sandbox.aws.access import authorize
from controller.sandbox.aws.errors import (
    ApiError,
    InternalServerException,
    SerializationException,
    UnknownOperationException,
)
from controller.sandbox.aws.sigv4 import parse_authorization

if TYPE_CHECKING:
    from controller.sandbox.app import App
    from controller.sandbox.handler import Handler


def serve(handler: Handler) -> None:
    """Answer the handler's current `POST /` as the Invoicing API."""
    app = handler.server.app
    started = time.monotonic()
    request_id = str(uuid.uuid4())
    operation = "-"
    try:
        body = handler.read_body()
        target = handler.headers.get("X-Amz-Target", "")
        prefix, _, operation = target.partition(".")
        if prefix != app.target_prefix or not operation:
            raise UnknownOperationException(
                f"Missing or unknown X-Amz-Target {target!r}; expected "
                f"{app.target_prefix}.<Operation>"
            )
        status, payload = 200, call(app, operation, handler.headers, body)
    except ApiError as exc:
        status, payload, headers = exc.status, exc.body(), exc.headers()
    except Exception as exc:  # a sandbox bug: answer like AWS would, keep the trace
        traceback.print_exc()
        error = InternalServerException(f"Sandbox internal error: {exc}")
        status, payload, headers = error.status, error.body(), error.headers()
    else:
        headers = {}
    headers["x-amzn-RequestId"] = request_id
    if status >= 400:
        headers["x-amzn-ErrorType"] = payload["__type"].rsplit("#", 1)[-1]
    handler.send_json(status, payload, headers)
    if app.log:
        elapsed = (time.monotonic() - started) * 1000
        kind = f" {headers['x-amzn-ErrorType']}" if status >= 400 else ""
        app.log(f"{operation} -> {status}{kind} ({elapsed:.0f} ms)")


def call(app: App, operation: str, headers: Any, body: bytes) -> dict[str, Any]:
    """One API call: counted, delayed or faulted, its caller known, authorized, then served."""
    app.count(operation)
    delay, fault = app.faults.draw()
    if delay:
        time.sleep(delay)
    access_key = parse_authorization(headers, app.signing_name)
    account = app.account_for(access_key)
    if fault is not None:  # before any effect, so a retry is always safe
        raise fault
    try:
        params = json.loads(body, parse_constant=_reject_constant) if body.strip() else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise SerializationException(f"Request body is not valid JSON: {exc}") from None
    if not isinstance(params, dict):
        raise SerializationException("Request body must be a JSON object")
    _authorize(app, access_key, account, operation, params)
    return app.service.call(account, operation, params)


def _authorize(app: App, key: str, account: str, operation: str, params: dict[str, Any]) -> None:
    """The caller's policy, if any, decides before validation, token replay or effect."""
    policy = app.policies.for_caller(key, app.identity.role_of(key))
    tags = functools.partial(app.service.resource_tags, account)
    authorize(policy, key, operation, params, tags)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
