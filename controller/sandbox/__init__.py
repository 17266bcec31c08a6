"""The sandbox: a local emulator of the AWS Invoicing procurement-portal API over real HTTP.

    with Sandbox("state.sqlite") as sb:
        client = boto3.client("invoicing", endpoint_url=sb.url, region_name="us-east-1", ...)
        code = sb.control.validation_code(arn)

Packages: `aws/` (the Invoicing API, STS and Organizations emulator), `coupa/` (the Coupa
emulator). Modules: `runner` (Sandbox, banner, serve_forever), `handler` (HTTP, routing by
path), `app` (the state the handler threads share), `control_routes` (the `/_sandbox/`
endpoints), `control` (their client), `control_error` (the one ControlError).
"""

from controller.sandbox.aws.service import DEFAULT_ACCOUNT
from controller.sandbox.control import (
    Control,
    call_counts,
    drift,
    get_faults,
    health,
    map_account,
    policies,
    reset,
    reset_call_counts,
    set_connection_test,
    set_faults,
    set_policy,
    validation_code,
)
from controller.sandbox.control_error import ControlError
from controller.sandbox.runner import Sandbox, serve_forever

__all__ = [
    "DEFAULT_ACCOUNT",
    "Control",
    "ControlError",
    "Sandbox",
    "call_counts",
    "drift",
    "get_faults",
    "health",
    "map_account",
    "policies",
    "reset",
    "reset_call_counts",
    "serve_forever",
    "set_connection_test",
    "set_faults",
    "set_policy",
    "validation_code",
]
