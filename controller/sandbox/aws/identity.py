"""Just enough STS and Organizations for the demo: who am I, assume a role, which organization.

The invoicing sandbox already maps access keys to accounts; these three calls make that map
speak the protocols boto3 uses for preflight, so `coupa-gitops demo` needs no other server.
Tests use moto's server for STS and Organizations instead, as real AWS would answer them.

STS speaks the AWS query protocol (form-encoded request, XML reply); Organizations speaks
AWS JSON 1.1. Organizations are set through `POST /_sandbox/organization`; by default no
account belongs to one, so each account is its own payer, as with a standalone AWS account.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

ORGANIZATIONS_PREFIX = "AWSOrganizationsV20161128."
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
ROLE_ARN = re.compile(r"arn:aws[-a-z]*:iam::(\d{12}):role/([\w+=,.@/-]+)")


class Identity:
    """Callers, assumed roles and organizations, shared by the handler threads."""

    def __init__(
        self, account_for: Callable[[str], str], remember_key: Callable[[str, str], None]
    ) -> None:
        self._account_for = account_for
        self._remember_key = remember_key
        self._lock = threading.Lock()
        self._sessions: dict[str, str] = {}  # access key -> assumed role ARN
        self._roles: dict[str, str] = {}  # access key -> the IAM role ARN it was minted for
        self._orgs: dict[str, str] = {}  # member or management account -> management account

    # --- organizations (control) ---

    def set_organization(self, management: str, members: list[str]) -> dict[str, Any]:
        with self._lock:
            for account in [management, *members]:
                self._orgs[account] = management
        return {"management": management, "members": sorted(members)}

    def reset(self) -> None:
        with self._lock:
            self._orgs.clear()

    def role_of(self, access_key: str) -> str | None:
        """The role ARN whose AssumeRole minted `access_key` (None: not an assumed-role key)."""
        with self._lock:
            return self._roles.get(access_key)

    # --- STS (query protocol) ---

    def sts(self, access_key: str, body: bytes) -> tuple[int, str]:
        params = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        action = params.get("Action", "")
        request_id = secrets.token_hex(16)
        if action == "GetCallerIdentity":
            account = self._account_for(access_key)
            with self._lock:
                arn = self._sessions.get(access_key) or f"arn:aws:iam::{account}:user/sandbox"
            result = (
                f"<Arn>{escape(arn)}</Arn><UserId>AIDASANDBOX{account}</UserId>"
                f"<Account>{account}</Account>"
            )
            return 200, _sts_reply(action, result, request_id)
        if action == "AssumeRole":
            match = ROLE_ARN.fullmatch(params.get("RoleArn", ""))
            if match is None:
                return 400, _sts_error(
                    "ValidationError", "RoleArn is not an IAM role ARN", request_id
                )
            account, role = match.groups()
            session = params.get("RoleSessionName", "session")
            key = "ASIA" + secrets.token_hex(8).upper()
            self._remember_key(key, account)
            assumed = f"arn:aws:sts::{account}:assumed-role/{role.split('/')[-1]}/{session}"
            with self._lock:
                self._sessions[key] = assumed
                self._roles[key] = match.group(0)
            expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            result = (
                f"<Credentials><AccessKeyId>{key}</AccessKeyId>"
                f"<SecretAccessKey>{secrets.token_hex(20)}</SecretAccessKey>"
                f"<SessionToken>{secrets.token_hex(32)}</SessionToken>"
                f"<Expiration>{expires}</Expiration></Credentials>"
                f"<AssumedRoleUser><AssumedRoleId>AROASANDBOX:{escape(session)}</AssumedRoleId>"
                f"<Arn>{escape(assumed)}</Arn></AssumedRoleUser>"
            )
            return 200, _sts_reply(action, result, request_id)
        return 400, _sts_error(
            "InvalidAction", f"the sandbox has no STS action {action!r}", request_id
        )

    # --- Organizations (JSON 1.1) ---

    def organizations(self, access_key: str, operation: str) -> tuple[int, dict[str, Any]]:
        if operation != "DescribeOrganization":
            return 400, {
                "__type": "UnsupportedAPIEndpointException",
                "message": f"the sandbox has no Organizations operation {operation}",
            }
        account = self._account_for(access_key)
        with self._lock:
            management = self._orgs.get(account)
        if management is None:
            return 400, {
                "__type": "AWSOrganizationsNotInUseException",
                "message": "Your account is not a member of an organization.",
            }
        return 200, {
            "Organization": {
                "Id": "o-sandbox0001",
                "Arn": f"arn:aws:organizations::{management}:organization/o-sandbox0001",
                "FeatureSet": "ALL",
                "MasterAccountArn": (
                    f"arn:aws:organizations::{management}:account/o-sandbox0001/{management}"
                ),
                "MasterAccountId": management,
                "MasterAccountEmail": f"payer-{management}@example.com",
            }
        }


def _sts_reply(action: str, result: str, request_id: str) -> str:
    return (
        f'<{action}Response xmlns="{STS_NS}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )


def _sts_error(code: str, message: str, request_id: str) -> str:
    return (
        f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId>"
        "</ErrorResponse>"
    )
