"""The AWS provider's executor: each change as Invoicing calls, in a safe order, idempotently.

Every write carries a ClientToken derived from what it does, so a retried call or a re-run
after a crash never makes a duplicate. On the first error it stops and reports what was
done and what was not; the next plan + apply converges.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from controller.config.model import Integration, SecretRef
from controller.engine import execute
from controller.engine.audit import Record
from controller.engine.execute import Report
from controller.engine.plan import Change, Gate
from controller.engine.provider import Known, Outcome
from controller.engine.requirements import Gated
from controller.errors import AwsError, UserError
from controller.providers.aws.translate import (
    COMMIT_TAG,
    MODE_TAG,
    NAME_TAG,
    create_body,
    mutable_body,
)

MAX_STALE_TOKENS = 10


def token(*parts: object) -> str:
    """A deterministic ClientToken: the same intended write always carries the same token.

    Never pass a secret, or anything derived from one: CloudTrail logs ClientTokens, and a
    hash over a request holding the shared secret is an offline oracle for it.
    """
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:64]


def create_token(item: Integration, salt: str | None = None) -> str:
    """What identifies one intended create: the account, the name and the AWS identity.

    Not the commit and not the body: two applies of the same file at different commits
    carry the same token, so AWS makes one preference (and refuses a differing request).
    """
    return token("create", item.account, item.name, item.natural_key, salt)


FEATURE_STATUS_MEMBERS = {
    "einvoice": "EinvoiceDeliveryPreference",
    "purchaseOrderRetrieval": "PurchaseOrderRetrievalPreference",
}


if TYPE_CHECKING:  # live imports botocore: only when a change is run
    from controller.providers.aws.live import Target


class Call(Protocol):
    """One AWS API call and its reply document (Clients.call)."""

    def __call__(
        self, target: Target, service: str, operation: str, **params: Any
    ) -> dict[str, Any]: ...


class SecretValues(Protocol):
    """Every secret of an integration, all required (controller.secrets.Secrets)."""

    def values(self, item: Integration) -> dict[SecretRef, str]: ...


def outputs_of(doc: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A preference's values other providers read: its ARN and AWS's PO endpoints."""
    test = doc.get("TestEnvPreference") or {}
    return (
        ("arn", doc["ProcurementPortalPreferenceArn"]),
        ("po_endpoint.production", doc.get("PurchaseOrderRetrievalEndpoint") or ""),
        ("po_endpoint.test", test.get("PurchaseOrderRetrievalEndpoint") or ""),
    )


class Applier:
    """Runs changes against AWS through `call(target, service, operation, **params)`."""

    def __init__(
        self,
        call: Call,
        target_of: Callable[[Integration], Target],
        secrets: SecretValues,
        items: Mapping[str, Integration],
        commit: str | None,
        record: Record | None = None,
    ) -> None:
        self.call = call
        self.target_of = target_of
        self.secrets = secrets
        self.items = items
        self.commit = commit  # None outside a git checkout: then no commit tag is written
        self.record = record  # who/when of an approved go-live, tagged on what it writes
        self.gated = Gated((), ())
        self.outputs: dict[str, tuple[tuple[str, str], ...]] = {}  # by integration name

    def _recorded(self, change: Change) -> dict[str, str]:
        """The go-live record's tags for a go-live change (none for a routine one)."""
        if self.record is None or change.gate is not Gate.GO_LIVE:
            return {}
        return self.record.tags(self.gated.overrides_of(change))

    def _tags(self, item: Integration, **extra: str) -> list[dict[str, str]]:
        """The tags apply keeps; the mode tag only when asked (a create or a go-live)."""
        tags = {NAME_TAG: item.name, **dict(item.tags), **extra}
        if self.commit:
            tags[COMMIT_TAG] = self.commit
        return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]

    def _create(self, item: Integration) -> str:
        secrets = self.secrets.values(item)
        body = create_body(item, secrets)
        tags = self._tags(item, **{MODE_TAG: "test"})
        target = self.target_of(item)
        salt = None
        for _ in range(MAX_STALE_TOKENS):
            reply = self.call(
                target,
                "invoicing",
                "CreateProcurementPortalPreference",
                **body,
                ResourceTags=tags,
                ClientToken=create_token(item, salt),
            )
            arn: str = reply["ProcurementPortalPreferenceArn"]
            doc = self._get(target, arn)
            if doc is not None:
                # What only exists now: the endpoints AWS generated (Coupa's cxml-url).
                self.outputs[item.name] = outputs_of(doc)
                return arn
            # The token answered with a preference deleted since (a delete or replace of the
            # same file): derive the next token from it, so a re-run still repeats this path.
            salt = arn
        raise UserError(
            f"could not create {item.name}: every ClientToken named a deleted preference"
        )

    def _get(self, target: Target, arn: str) -> dict[str, Any] | None:
        try:
            reply = self.call(
                target,
                "invoicing",
                "GetProcurementPortalPreference",
                ProcurementPortalPreferenceArn=arn,
            )
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise
        doc: dict[str, Any] = reply["ProcurementPortalPreference"]
        return doc

    def _delete(self, change: Change, target: Target) -> None:
        self.call(
            target,
            "invoicing",
            "DeleteProcurementPortalPreference",
            ProcurementPortalPreferenceArn=change.arn,
            ClientToken=token("delete", change.arn, change.version),
        )

    def _retag(self, change: Change, item: Integration) -> None:
        target = self.target_of(item)
        removed = [
            f.path[5:] for f in change.fields if f.path.startswith("tags.") and f.after is None
        ]
        if removed:
            self.call(
                target,
                "invoicing",
                "UntagResource",
                ResourceArn=change.arn,
                ResourceTagKeys=removed,
            )
        self.call(
            target,
            "invoicing",
            "TagResource",
            ResourceArn=change.arn,
            ResourceTags=self._tags(item, **self._recorded(change)),
        )

    def create(self, change: Change) -> str:
        return f"created {self._create(self.items[change.name])}"

    def update(self, change: Change) -> str:
        item = self.items[change.name]
        if any(not f.path.startswith("tags.") for f in change.fields):
            body = mutable_body(item, self.secrets.values(item))
            # One write per version: another apply's write at the same version carries the
            # same token with another body, and AWS refuses it instead of overwriting.
            self.call(
                self.target_of(item),
                "invoicing",
                "PutProcurementPortalPreference",
                ProcurementPortalPreferenceArn=change.arn,
                **body,
                ClientToken=token("put", change.arn, change.version),
            )
        self._retag(change, item)
        return f"updated {change.arn} ({len(change.fields)} field(s))"

    def replace(self, change: Change) -> str:
        item = self.items[change.name]
        self._delete(change, self.target_of(item))
        return f"replaced {change.arn} with {self._create(item)}"

    def status(self, change: Change) -> str:
        item = self.items[change.name]
        target = self.target_of(item)
        at = f" at commit {self.commit}" if self.commit else ""
        reason = f"coupa-gitops: mode {change.mode_after}{at}"
        params: dict[str, str] = {}
        for feature, _, wanted in change.features:
            member = FEATURE_STATUS_MEMBERS[feature]
            params[f"{member}Status"] = wanted
            params[f"{member}StatusReason"] = reason
        if params:
            self.call(
                target,
                "invoicing",
                "UpdateProcurementPortalPreferenceStatus",
                ProcurementPortalPreferenceArn=change.arn,
                **params,
                ClientToken=token("status", change.arn, change.version, sorted(params.items())),
            )
        # After the statuses: a failure between the two leaves the signals disagreeing, which
        # the next plan reads as an unknown mode (go-live) and repairs.
        self.call(
            target,
            "invoicing",
            "TagResource",
            ResourceArn=change.arn,
            ResourceTags=self._tags(
                item, **{MODE_TAG: str(change.mode_after)}, **self._recorded(change)
            ),
        )
        moved = ", ".join(f"{f} {w}" for f, _, w in change.features) or "mode tag only"
        return f"{moved} ({change.arn})"

    def delete(self, change: Change) -> str:
        from controller.providers.aws.live import Target

        # An orphan has no file: reach it the way it was read (the plan keeps that role).
        self._delete(change, Target(change.account, change.region, change.role_arn))
        return f"deleted {change.arn}"

    name = "aws"

    def execute(self, change: Change, known: Known) -> Outcome:
        """One change as Invoicing calls (AWS needs no other change's outputs)."""
        line = getattr(self, change.action.name.lower())(change)
        return Outcome(line, self.outputs.pop(change.name, ()))

    def run(self, gated: Gated, echo: Callable[[str], None]) -> Report:
        """Run `gated` with this executor alone (the engine's loop; AWS-only callers)."""
        self.gated = gated
        return execute.run(gated, {self.name: self.execute}, echo)
