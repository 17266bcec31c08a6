"""What the handler threads share: the AWS emulator's state, the call counters, the Coupa one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from controller.sandbox.aws.access import Policies
from controller.sandbox.aws.faults import Faults
from controller.sandbox.aws.identity import Identity
from controller.sandbox.aws.service import DEFAULT_ACCOUNT, Service
from controller.sandbox.aws.shapes import service_model
from controller.sandbox.coupa.app import CoupaEmulator


class App:
    """Service, fault settings, counters, account map, identity, policies and the Coupa side."""

    def __init__(
        self,
        service: Service,
        faults: Faults,
        accounts: dict[str, str],
        log: Callable[[str], None] | None,
        policies: Policies | None = None,
    ) -> None:
        model = service_model()
        self.service = service
        self.faults = faults
        self.accounts = dict(accounts)
        self.policies = policies or Policies()
        self.log = log
        self.target_prefix = model.metadata["targetPrefix"]
        self.signing_name = model.signing_name
        self.identity = Identity(self.account_for, self.remember_key)
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()
        self.coupa = CoupaEmulator(log=log)  # in memory, not in the SQLite file

    def remember_key(self, access_key: str, account: str) -> None:
        with self.lock:
            self.accounts[access_key] = account

    def account_for(self, access_key: str) -> str:
        with self.lock:
            return self.accounts.get(access_key, DEFAULT_ACCOUNT)

    def count(self, operation: str) -> None:
        with self.lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1

    def identity_call(self, operation: str) -> None:
        """Count an STS/Organizations call and give it the injected latency, as AWS is as far."""
        self.count(operation)
        delay = self.faults.latency()
        if delay:
            time.sleep(delay)
