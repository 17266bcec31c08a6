"""One sandbox for the whole session; each test gets its own account so tests never collide."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from sandbox_helpers import make_client

from controller.sandbox import Sandbox

_accounts = itertools.count(1)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("sandbox") / "state.sqlite") as sb:
        yield sb


class Tenant:
    """An access key mapped to an account of its own, and a client acting as it."""

    def __init__(self, sb: Sandbox) -> None:
        number = next(_accounts)
        self.sandbox = sb
        self.access_key = f"AKIATEST{number:012d}"
        self.account = f"{200000000000 + number}"
        sb.control.map_account(self.access_key, self.account)
        self.client = make_client(sb, self.access_key)

    def client_with(self, **config: object):
        return make_client(self.sandbox, self.access_key, **config)


@pytest.fixture
def tenant(sandbox: Sandbox) -> Tenant:
    return Tenant(sandbox)


@pytest.fixture
def new_tenant(sandbox: Sandbox) -> Callable[[], Tenant]:
    return lambda: Tenant(sandbox)


@pytest.fixture
def client(tenant: Tenant):
    return tenant.client


@pytest.fixture
def faults(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox, with its fault settings restored to none after the test."""
    yield sandbox
    sandbox.control.set_faults(latency_ms=0, fault_rate=0.0, throttle_rate=0.0)
