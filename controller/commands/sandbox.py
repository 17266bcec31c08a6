"""`coupa-gitops sandbox`: a local stand-in for the AWS Invoicing API (the work: sandbox/)."""

from __future__ import annotations

import argparse
from typing import Any

from controller.commands.args import SubParsers
from controller.errors import UserError

SANDBOX_HELP = """\
Start a local emulator of the AWS Invoicing procurement-portal API (with STS and
Organizations) in the foreground. It prints the environment to export so that coupa-gitops,
boto3 and the AWS CLI use it: AWS_ENDPOINT_URL_INVOICING, _STS and _ORGANIZATIONS, an access
key and secret, the region, and the account that key acts as. Stop it with Ctrl-C.

Control endpoints (sandbox-only, JSON, under URL/_sandbox/) do what AWS and the Coupa
administrator do for real, so the README's go-live steps can be followed here:

  GET  validation-code?arn=ARN     the code SendProcurementPortalValidation sent (what the
                                   Coupa admin would read); give it to
                                   `coupa-gitops verify-endpoint NAME --code CODE`
  POST connection-test             {"arn": ARN, "passed": true|false, "feature": optional
                                   EinvoiceDelivery|PurchaseOrderRetrieval}: the connection
                                   test's outcome (VALIDATED -> TEST_INITIALIZED or TEST_FAILED)
  POST drift                       {"arn": ARN, "changes": {...}}: edit a preference as the
                                   console would (deep merge; null deletes a member)
  GET|POST faults                  read or set latency_ms, fault_rate, throttle_rate, seed
  GET  calls, POST calls/reset     API calls counted per operation
  GET|POST accounts                read, or map {"access_key_id": KEY, "account_id": ACCOUNT}
  GET|PUT policies                 read, or set {"accessKey": KEY or ROLE_ARN, "policy": DOC}
  POST organization                {"management": ACCOUNT, "members": [...]}
  POST reset                       forget every preference, code and count
  GET  health                      {"ok": true}

For example:
  curl 'http://127.0.0.1:4566/_sandbox/validation-code?arn=ARN'
  curl -X POST http://127.0.0.1:4566/_sandbox/connection-test -d '{"arn": "ARN", "passed": true}'

What the sandbox models where AWS documents nothing (the status transitions, what Put does
to a live preference, the supplier list) is ours: docs/sandbox.md.
"""


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "sandbox",
        help="run a local emulator of the AWS Invoicing procurement-portal API",
        description=SANDBOX_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=4566, help="0 picks a free port")
    p.add_argument("--db", default="sandbox.sqlite", help="SQLite file that keeps the state")
    p.add_argument("--latency-ms", type=int, default=0, help="added to every API call")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of calls failing 500")
    p.add_argument("--throttle-rate", type=float, default=0.0, help="share throttled (429)")
    p.add_argument("--seed", type=int, default=None, help="makes injected faults repeatable")
    p.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ACCESS_KEY=ACCOUNT",
        help="map an access key id to an account id (repeatable; default 123456789012)",
    )
    p.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="ACCESS_KEY=POLICY.json",
        help="restrict an access key to an IAM policy document (repeatable; a role ARN instead "
        "of a key restricts the keys STS AssumeRole mints for that role; default: no limits)",
    )
    p.set_defaults(run=run)


def sandbox_policies(items: list[str]) -> dict[str, dict[str, Any]]:
    """`--policy KEY=FILE` values as {key or role ARN: policy document} (split at the first =)."""
    import json

    from controller.sandbox.aws.iam import Policy

    policies: dict[str, dict[str, Any]] = {}
    for item in items:
        principal, sep, path = item.partition("=")
        if not sep or not principal or not path:
            raise UserError(f"--policy {item!r}: expected ACCESS_KEY=POLICY.json")
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
            Policy.parse(document)
        except (OSError, ValueError) as exc:
            raise UserError(f"--policy {principal}: {path}: {exc}") from None
        policies[principal] = document
    return policies


def run(args: argparse.Namespace) -> int:
    from controller.sandbox import serve_forever

    accounts: dict[str, str] = dict(item.split("=", 1) for item in args.account)
    return serve_forever(
        host=args.host,
        port=args.port,
        db=args.db,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        throttle_rate=args.throttle_rate,
        seed=args.seed,
        accounts=accounts,
        policies=sandbox_policies(args.policy),
    )
