"""One sandbox per test module (real HTTP); each test gets Coupa tenants of its own."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from controller.providers.coupa.client import CoupaClient
from controller.sandbox import Sandbox

from .helpers import CLIENT_ID, CLIENT_SECRET

_tenants = itertools.count(1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("sandbox") / "state.sqlite") as sb:
        yield sb


@pytest.fixture
def new_host(sandbox: Sandbox) -> Callable[[], str]:
    """A fresh tenant host with our client registered and the rate limit off."""

    def make() -> str:
        host = f"t{next(_tenants)}.coupahost.com"
        sandbox.control.coupa.register_client(host, CLIENT_ID, CLIENT_SECRET)
        sandbox.control.coupa.set_rate_limit(host, rate=0)
        return host

    return make


@pytest.fixture
def host(new_host: Callable[[], str]) -> str:
    return new_host()


@pytest.fixture
def make_client(sandbox: Sandbox) -> Iterator[Callable[..., CoupaClient]]:
    """`make_client(host, **kwargs)`: a CoupaClient routed to the sandbox (closed after)."""
    made: list[CoupaClient] = []

    def make(host: str, **kwargs: object) -> CoupaClient:
        kwargs.setdefault("endpoint_url", sandbox.url)
        secret = kwargs.pop("client_secret", CLIENT_SECRET)
        client = CoupaClient(f"https://{host}", CLIENT_ID, secret, **kwargs)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(host: str, make_client: Callable[..., CoupaClient]) -> CoupaClient:
    return make_client(host)
