"""Which policy applies to a caller, and the check every Invoicing call passes before it runs.

A policy is keyed on an access key id, or on an IAM role ARN: the role's policy then applies
to every key the sandbox's STS AssumeRole minted for that role (a key's own policy wins).
A caller with no policy is unrestricted, as before policies existed. Policies are settings,
like the account map: `/_sandbox/reset` keeps them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from controller.sandbox.aws import iam
from controller.sandbox.aws.errors import AccessDeniedException


class Policies:
    """Parsed policies by access key id or role ARN, shared by the handler threads."""

    def __init__(self, documents: Mapping[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._parsed: dict[str, iam.Policy] = {}
        self._documents: dict[str, Any] = {}
        for principal, document in (documents or {}).items():
            self.set(principal, document)

    def set(self, principal: str, document: Any | None) -> None:
        """Attach `document` to an access key or role ARN; None detaches it."""
        if not isinstance(principal, str) or not principal:
            raise ValueError("accessKey must be a non-empty string (an access key or role ARN)")
        parsed = None if document is None else iam.Policy.parse(document)
        with self._lock:
            if parsed is None:
                self._parsed.pop(principal, None)
                self._documents.pop(principal, None)
            else:
                self._parsed[principal] = parsed
                self._documents[principal] = document

    def documents(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._documents)

    def for_caller(self, access_key: str, role_arn: str | None) -> iam.Policy | None:
        with self._lock:
            return self._parsed.get(access_key) or (role_arn and self._parsed.get(role_arn)) or None


def authorize(
    policy: iam.Policy | None,
    access_key: str,
    operation: str,
    params: Mapping[str, Any],
    resource_tags: Callable[[str], Mapping[str, str] | None],
) -> None:
    """Raise AccessDeniedException (403) unless `policy` allows every action of the call.

    Runs before validation, ClientToken replay and any effect. `resource_tags(arn)` gives the
    tags of an existing preference of the caller's account, None for one that does not exist:
    that call is then evaluated without aws:ResourceTag, so a policy that allows it anyway
    lets the service answer its usual ResourceNotFoundException.
    """
    if policy is None:
        return
    arn = iam.resource_of(operation, params)
    tags = resource_tags(arn) if arn else None
    decision = iam.evaluate(policy, *iam.requests_for(operation, params, tags))
    if not decision.allowed:
        raise AccessDeniedException(iam.denial_message(access_key, decision))
