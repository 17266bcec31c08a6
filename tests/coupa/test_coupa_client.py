"""The Coupa client over real HTTP against the sandbox's Coupa emulator."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

import httpx
import pytest

from controller.errors import UserError
from controller.providers.coupa.client import CoupaClient, CoupaError, Page
from controller.sandbox import Sandbox

from .helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    SHARED_SECRET,
    FakeTime,
    cxml_supplier,
    plain_supplier,
)

Make = Callable[..., CoupaClient]
TOKEN = "POST /oauth2/token"
LIST = "GET /api/suppliers"


def calls(sandbox: Sandbox, host: str) -> dict[str, int]:
    return sandbox.control.coupa.calls(host)


# ---- tokens ---------------------------------------------------------------------------------


def test_one_token_serves_many_requests(sandbox: Sandbox, host: str, client: CoupaClient) -> None:
    created = client.create("suppliers", cxml_supplier())
    client.get("suppliers", created["id"])
    client.update("suppliers", created["id"], {"status": "inactive"})
    client.find("suppliers", name="AWS Marketplace")
    client.find("commodities")
    counts = calls(sandbox, host)
    assert counts[TOKEN] == 1
    assert counts["total"] == 6


def test_a_token_near_its_end_is_refreshed_before_use(
    sandbox: Sandbox, host: str, make_client: Make
) -> None:
    fake = FakeTime()
    client = make_client(host, clock=fake.clock, sleep=fake.sleep)
    client.find("suppliers")
    fake.advance(86399 - 299)  # less than 5 minutes left: refresh rather than risk a 401
    client.find("suppliers")
    counts = calls(sandbox, host)
    assert counts[TOKEN] == 2
    assert counts[LIST] == 2  # no 401 was needed


def test_a_short_lived_token_expires_and_is_replaced(
    sandbox: Sandbox, host: str, client: CoupaClient
) -> None:
    sandbox.control.coupa.set_token_lifetime(host, 1)
    client.find("suppliers")
    time.sleep(1.1)
    client.find("suppliers")
    counts = calls(sandbox, host)
    assert counts[TOKEN] == 2
    assert counts[LIST] == 2


def test_a_401_gets_one_new_token_and_one_retry(
    sandbox: Sandbox, host: str, client: CoupaClient
) -> None:
    client.find("suppliers")
    sandbox.control.coupa.revoke_tokens(host)
    client.find("suppliers")
    counts = calls(sandbox, host)
    assert counts[TOKEN] == 2
    assert counts[LIST] == 3  # the refused call and its retry


def test_a_second_401_is_an_error_not_a_loop(
    sandbox: Sandbox, host: str, client: CoupaClient
) -> None:
    client.find("suppliers")
    sandbox.control.coupa.inject(host, 401, count=2)
    with pytest.raises(CoupaError) as caught:
        client.find("suppliers")
    assert caught.value.status == 401
    assert host in str(caught.value)
    counts = calls(sandbox, host)
    assert (counts[TOKEN], counts[LIST]) == (2, 3)


def test_wrong_secret_is_a_clear_error_without_the_secret(
    sandbox: Sandbox, host: str, make_client: Make
) -> None:
    wrong = "canary-wrong-secret-5d1e"
    client = make_client(host, client_secret=wrong)
    with pytest.raises(CoupaError) as caught:
        client.find("suppliers")
    error = caught.value
    text = "".join(traceback.format_exception(error))
    assert isinstance(error, UserError)
    assert error.status == 401
    assert host in str(error) and CLIENT_ID in str(error) and "invalid_client" in str(error)
    for canary in (wrong, CLIENT_SECRET):
        assert canary not in text
        assert canary not in repr(client)
    assert calls(sandbox, host)[TOKEN] == 1  # a refused secret is not retried


def test_tokens_never_show_in_errors_or_reprs(host: str, client: CoupaClient) -> None:
    client.find("suppliers")
    token = client._token().value
    assert token not in repr(client) and token not in repr(client._token())
    echo = httpx.Response(400, json={"errors": {"supplier": [f"bad {token} {CLIENT_SECRET}"]}})
    error = client._error("could not update", echo, {"cxml-secret": SHARED_SECRET})
    assert token not in str(error) and CLIENT_SECRET not in str(error)
    echo = httpx.Response(400, json={"errors": {"supplier": [f"secret {SHARED_SECRET} rejected"]}})
    error = client._error("could not update", echo, {"cxml-secret": SHARED_SECRET})
    assert SHARED_SECRET not in str(error) and all(SHARED_SECRET not in m for m in error.messages)
    assert "[redacted]" in str(error)


def test_a_failed_create_does_not_show_the_shared_secret(host: str, client: CoupaClient) -> None:
    client.create("suppliers", cxml_supplier())
    with pytest.raises(CoupaError) as caught:
        client.create("suppliers", cxml_supplier())
    assert caught.value.status == 400
    assert "name has already been taken" in str(caught.value)
    assert SHARED_SECRET not in "".join(traceback.format_exception(caught.value))


# ---- paging and filters ---------------------------------------------------------------------


def test_sixty_three_suppliers_come_in_two_pages(
    sandbox: Sandbox, host: str, client: CoupaClient
) -> None:
    sandbox.control.coupa.seed(host, [plain_supplier(f"Supplier {n:03d}") for n in range(63)])
    found = client.find("suppliers")
    assert [s["name"] for s in found] == [f"Supplier {n:03d}" for n in range(63)]
    assert [s["id"] for s in found] == sorted(s["id"] for s in found)
    assert calls(sandbox, host)[LIST] == 2  # 50, then a short page of 13: no third call


def test_an_exact_multiple_of_fifty_needs_one_empty_page(
    sandbox: Sandbox, host: str, client: CoupaClient
) -> None:
    sandbox.control.coupa.seed(host, [plain_supplier(f"S{n}") for n in range(100)])
    assert len(client.find("suppliers")) == 100
    assert calls(sandbox, host)[LIST] == 3  # 50, 50, and the empty page that ends it


def test_page_is_one_call(sandbox: Sandbox, host: str, client: CoupaClient) -> None:
    sandbox.control.coupa.seed(host, [plain_supplier(f"S{n}") for n in range(7)])
    page = client.page("suppliers", offset=5)
    assert isinstance(page, Page) and page.last and len(page.items) == 2
    assert page.items[0]["name"] == "S5"


def test_the_name_filter_is_exact(sandbox: Sandbox, host: str, client: CoupaClient) -> None:
    names = ["AWS Marketplace EU", "AWS Marketplace", "aws marketplace", "The AWS Marketplace"]
    sandbox.control.coupa.seed(host, [plain_supplier(n) for n in names])
    found = client.find("suppliers", name="AWS Marketplace")
    assert [s["name"] for s in found] == ["AWS Marketplace"]
    assert client.find_one("suppliers", name="Nobody") is None
    lower = client.find_one("suppliers", name="aws marketplace")
    assert lower is not None and lower["name"] == "aws marketplace"
    contains = client.find("suppliers", name__contains="Marketplace")
    assert [s["name"] for s in contains] == ["AWS Marketplace EU", "AWS Marketplace", names[3]]
    assert calls(sandbox, host)[LIST] == 4


def test_filters_with_underscores_and_lists(host: str, client: CoupaClient) -> None:
    client.create("suppliers", cxml_supplier("A"))
    client.create("suppliers", plain_supplier("B") | {"po-method": "email"})
    assert [s["name"] for s in client.find("suppliers", po_method="cxml")] == ["A"]
    assert len(client.find("suppliers", po_method__in=["cxml", "email"])) == 2
    assert [s["name"] for s in client.find("suppliers", allow_cxml_invoicing=True)] == ["A"]


# ---- retries --------------------------------------------------------------------------------


def test_429_is_absorbed_honouring_retry_after(
    sandbox: Sandbox, host: str, make_client: Make
) -> None:
    slept: list[float] = []
    client = make_client(host, sleep=slept.append)
    client.find("suppliers")
    sandbox.control.coupa.inject(host, 429, count=2, retry_after=3)
    assert client.find("suppliers") == []
    assert slept == [3.0, 3.0]
    assert calls(sandbox, host)[LIST] == 4


def test_the_real_rate_limit_is_absorbed(sandbox: Sandbox, host: str, client: CoupaClient) -> None:
    sandbox.control.coupa.set_rate_limit(host, rate=25, burst=20)
    for _ in range(30):
        client.find("suppliers")
    assert calls(sandbox, host)[LIST] > 30  # some were refused with 429, then retried


def test_503_is_retried_with_backoff(sandbox: Sandbox, host: str, make_client: Make) -> None:
    fake = FakeTime()
    client = make_client(host, clock=fake.clock, sleep=fake.sleep)
    sandbox.control.coupa.inject(host, 503, count=3)
    client.find("suppliers")
    assert len(fake.slept) == 3
    assert fake.slept[0] < fake.slept[2] <= 8


def test_a_create_is_retried_after_503_and_made_once(
    sandbox: Sandbox, host: str, make_client: Make
) -> None:
    fake = FakeTime()
    client = make_client(host, clock=fake.clock, sleep=fake.sleep)
    client.find("suppliers")
    sandbox.control.coupa.inject(host, 503)
    client.create("suppliers", cxml_supplier())
    assert [s["name"] for s in sandbox.control.coupa.suppliers(host)] == ["AWS Marketplace"]


def test_a_create_is_not_repeated_after_500(sandbox: Sandbox, host: str, make_client: Make) -> None:
    fake = FakeTime()
    client = make_client(host, clock=fake.clock, sleep=fake.sleep)
    client.find("suppliers")
    sandbox.control.coupa.inject(host, 500)
    with pytest.raises(CoupaError, match="not retried"):
        client.create("suppliers", cxml_supplier())
    assert calls(sandbox, host)["POST /api/suppliers"] == 1
    assert fake.slept == []


def test_an_exhausted_budget_is_a_clear_error(
    sandbox: Sandbox, host: str, make_client: Make
) -> None:
    fake = FakeTime()
    client = make_client(host, clock=fake.clock, sleep=fake.sleep, retry_budget_s=5)
    client.find("suppliers")
    sandbox.control.coupa.inject(host, 503, count=20)
    with pytest.raises(CoupaError) as caught:
        client.find("suppliers")
    message = str(caught.value)
    assert host in message and "list suppliers" in message and "HTTP 503" in message
    assert "retry budget 5 s" in message
    assert sum(fake.slept) <= 5
    sandbox.control.coupa.reset(host)


def test_an_unreachable_endpoint_is_a_clear_error(host: str, make_client: Make) -> None:
    fake = FakeTime()
    client = make_client(
        host, endpoint_url="http://127.0.0.1:9", clock=fake.clock, sleep=fake.sleep
    )
    with pytest.raises(CoupaError) as caught:
        client.find("suppliers")
    assert host in str(caught.value) and "no answer" in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)


# ---- writes ---------------------------------------------------------------------------------


def test_update_is_partial(sandbox: Sandbox, host: str, client: CoupaClient) -> None:
    created = client.create("suppliers", cxml_supplier())
    assert created["id"] and created["cxml-secret"] == SHARED_SECRET  # echoed on GET (§2.1)
    updated = client.update("suppliers", created["id"], {"status": "active"})
    assert updated["status"] == "active"
    for key, value in created.items():
        if key not in ("status", "updated-at"):
            assert updated[key] == value, key
    assert client.get("suppliers", created["id"]) == updated


def test_there_is_no_delete(host: str, client: CoupaClient) -> None:
    assert not hasattr(client, "delete")


def test_a_missing_id_is_a_404_error(host: str, client: CoupaClient) -> None:
    with pytest.raises(CoupaError) as caught:
        client.get("suppliers", 4040)
    assert caught.value.status == 404 and host in str(caught.value)


def test_commodities(sandbox: Sandbox, host: str, client: CoupaClient) -> None:
    client.create("commodities", {"name": "Software as a Service", "category": "services"})
    found = client.find_one("commodities", name="Software as a Service")
    assert found is not None and found["active"] is True
    client.update("commodities", found["id"], {"active": False})
    assert sandbox.control.coupa.commodities(host)[0]["active"] is False


# ---- routing --------------------------------------------------------------------------------


def test_tenants_are_isolated_by_host(
    sandbox: Sandbox, new_host: Callable[[], str], make_client: Make
) -> None:
    acme, beta = new_host(), new_host()
    make_client(acme).create("suppliers", cxml_supplier())
    assert make_client(beta).find("suppliers") == []
    assert len(sandbox.control.coupa.suppliers(acme)) == 1
    assert sandbox.control.coupa.suppliers(beta) == []


def test_coupa_endpoint_url_routes_every_instance(
    sandbox: Sandbox, new_host: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUPA_ENDPOINT_URL", sandbox.url)
    prod, test = new_host(), new_host()
    for host in (prod, test):
        with CoupaClient(f"https://{host}/", CLIENT_ID, CLIENT_SECRET) as client:
            client.create("suppliers", cxml_supplier(f"AWS Marketplace {host}"))
    assert [s["name"] for s in sandbox.control.coupa.suppliers(prod)] == [f"AWS Marketplace {prod}"]
    assert sandbox.control.coupa.calls(test)[TOKEN] == 1


def test_instance_urls_are_checked() -> None:
    with pytest.raises(UserError, match="has a path"):
        CoupaClient("https://acme.coupahost.com/api", CLIENT_ID, CLIENT_SECRET)
    with pytest.raises(UserError, match="not an https"):
        CoupaClient("ftp://acme.coupahost.com", CLIENT_ID, CLIENT_SECRET)
    client = CoupaClient("acme.coupahost.com", CLIENT_ID, CLIENT_SECRET, endpoint_url="")
    assert client.instance_url == "https://acme.coupahost.com"
    client.close()
