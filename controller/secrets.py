"""Resolve secret references ({env|ssm|secretsManager}) lazily, once each, never printing them."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal, overload

from controller.config.model import Integration, Role, SecretRef
from controller.engine.desired import Desired
from controller.errors import UserError
from controller.gitops import github
from controller.providers.aws.translate import secret_digest

if TYPE_CHECKING:  # boto3 only when an AWS-stored secret is used
    from controller.providers.aws.live import Clients

_RESOLVED: set[str] = set()  # every secret value this process has seen, for redact()
_RESOLVED_LOCK = threading.Lock()


def redact(text: str) -> str:
    """`text` with every secret value resolved in this process replaced by ***."""
    with _RESOLVED_LOCK:
        known = sorted(_RESOLVED, key=len, reverse=True)
    for value in known:
        text = text.replace(value, "***")
    return text


def refs_of(item: Integration) -> tuple[SecretRef, ...]:
    endpoints = (item.production, item.test) if item.test else (item.production,)
    return tuple(e.shared_secret for e in endpoints)


class Secrets:
    """Secret values for one run; each reference is resolved at most once."""

    def __init__(
        self,
        clients: Clients | None = None,
        env: Mapping[str, str] | None = None,
        skip: bool = False,
        role: Role = Role.APPLY,
    ) -> None:
        self._clients = clients
        self._role = role  # secrets stored in AWS are read with the run's own role
        self.skip = skip  # told not to read any: every secret is "not compared", on purpose
        self._env = os.environ if env is None else env
        self._values: dict[tuple[SecretRef, str], str | None] = {}
        self._why: dict[tuple[SecretRef, str], str] = {}
        self._lock = threading.Lock()

    def _fetch(self, ref: SecretRef, item: Integration) -> str | None:
        if ref.source == "env":
            return self._env.get(ref.name) or None
        from controller.providers.aws.live import Target  # boto3 only for an AWS-stored secret

        if self._clients is None:  # value() reads from AWS only with clients: a bug
            raise RuntimeError(f"no AWS clients to read {ref} with")
        target = Target.of(item, self._role)
        if ref.source == "ssm":
            reply = self._clients.call(
                target, "ssm", "GetParameter", Name=ref.name, WithDecryption=True
            )
            parameter: str = reply["Parameter"]["Value"]
            return parameter
        reply = self._clients.call(target, "secretsmanager", "GetSecretValue", SecretId=ref.name)
        secret: str | None = reply.get("SecretString")
        return secret

    @overload
    def value(self, ref: SecretRef, item: Integration, *, required: Literal[True]) -> str: ...
    @overload
    def value(self, ref: SecretRef, item: Integration, *, required: bool) -> str | None: ...
    def value(self, ref: SecretRef, item: Integration, *, required: bool) -> str | None:
        """The secret, or None (best effort) / a UserError naming the reference (required)."""
        key = (ref, item.account)
        with self._lock:
            known = key in self._values
            value = self._values.get(key)
        if not known:
            value, why = None, SKIPPED if self.skip else ""
            try:
                if not self.skip and (self._clients or ref.source == "env"):
                    value = self._fetch(ref, item)
            except UserError as exc:
                if required:
                    raise
                why = redact(str(exc))
            if value is None:
                why = why or _missing(ref, self._clients is not None)
            if value is not None:
                # before anything else can print it; on stderr, since stdout may be a file
                # (`plan --format markdown > plan.md`) the runner never reads: the PR comment
                github.mask(value, out=sys.stderr)
                with _RESOLVED_LOCK:
                    _RESOLVED.add(value)
            with self._lock:
                self._values[key] = value
                if value is None:
                    self._why[key] = why
        if value is None and required:
            hint = (
                f"set the environment variable {ref.name}"
                if ref.source == "env"
                else (f"make sure {ref} exists and the role may read it")
            )
            raise UserError(f"secret {ref} of {item.name} is not available: {hint}")
        return value

    def values(self, item: Integration) -> dict[SecretRef, str]:
        """Every secret of an integration; all required (apply)."""
        return {ref: self.value(ref, item, required=True) for ref in refs_of(item)}

    def why(self, ref: SecretRef, item: Integration) -> str:
        """Why `ref` could not be read for `item` ('' when it was)."""
        with self._lock:
            return self._why.get((ref, item.account), "")

    def desired(self, items: Iterable[Integration]) -> list[Desired]:
        """Each integration with its secrets' digests; an unreadable one is unknown, with why."""
        out = []
        for item in items:
            pairs, unreadable = [], []
            for ref in refs_of(item):
                value = self.value(ref, item, required=False)
                pairs.append((ref, secret_digest(value) if value is not None else None))
                if value is None:
                    unreadable.append((ref, self.why(ref, item)))
            out.append(Desired(item, tuple(pairs), tuple(unreadable), self.skip))
        return out


SKIPPED = "not read: this run does not read secrets (--no-secrets)"


def _missing(ref: SecretRef, can_reach_aws: bool) -> str:
    if ref.source == "env":
        return f"the environment variable {ref.name} is not set (or empty)"
    if not can_reach_aws:
        return f"{ref} is stored in AWS and this run has no AWS access"
    return f"{ref} has no value"
