"""The desired state of one integration: the file's model plus what the run read of its secrets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from controller.config.model import Integration, SecretRef


@dataclass(frozen=True)
class Desired:
    """One integration from the config, with its secrets' digests (None: not resolved)."""

    integration: Integration
    secret_digests: tuple[tuple[SecretRef, str | None], ...] = ()
    # Why a reference could not be read (its digest is None): shown by plan, refused by apply.
    unreadable: tuple[tuple[SecretRef, str], ...] = ()
    secrets_skipped: bool = False  # not read on purpose (--no-secrets), not because they failed

    @property
    def digests(self) -> dict[SecretRef, str | None]:
        return dict(self.secret_digests)


def secret_digest(value: str) -> str:
    """How secrets are compared, on every system: by digest, never by value."""
    return "sha256:" + hashlib.sha256(b"coupa-gitops\0" + value.encode()).hexdigest()
