"""STS (query protocol, XML) and Organizations (JSON 1.1) on `POST /`, for the demo's preflight.

Which requests are theirs (`is_identity_call`) and how they are answered; the emulation itself
is `identity.Identity`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from controller.sandbox.aws.errors import ApiError
from controller.sandbox.aws.identity import ORGANIZATIONS_PREFIX
from controller.sandbox.aws.sigv4 import parse_authorization

if TYPE_CHECKING:
    from controller.sandbox.handler import Handler


def is_identity_call(handler: Handler) -> bool:
    """An Organizations target, or a form-encoded body (STS's query protocol)."""
    target = handler.headers.get("X-Amz-Target", "")
    form = handler.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
    return target.startswith(ORGANIZATIONS_PREFIX) or form


def serve(handler: Handler) -> None:
    """Answer the handler's current request as STS or Organizations."""
    app = handler.server.app
    identity = app.identity
    target = handler.headers.get("X-Amz-Target", "")
    try:
        body = handler.read_body()
        app.identity_call(target.partition(".")[2] or _sts_action(body))
        if target.startswith(ORGANIZATIONS_PREFIX):
            key = parse_authorization(handler.headers, "organizations")
            status, payload = identity.organizations(key, target.partition(".")[2])
            data = json.dumps(payload).encode()
            handler.send_raw(status, data, "application/x-amz-json-1.1")
            return
        key = parse_authorization(handler.headers, "sts")
        status, xml = identity.sts(key, body)
    except ApiError as exc:
        if target:
            handler.send_json(exc.status, exc.body())
            return
        status, xml = (
            exc.status,
            (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{exc.code}</Code><Message>{exc.message}</Message></Error></ErrorResponse>"
            ),
        )
    handler.send_raw(status, xml.encode(), "text/xml")


def _sts_action(body: bytes) -> str:
    """The Action of an STS query-protocol request ('-' when it has none)."""
    values = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return values[0] if values else "-"
