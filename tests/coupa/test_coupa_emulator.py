"""The Coupa emulator's own rules, over raw HTTP (httpx, not our client) and without sockets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from controller.sandbox import ControlError, Sandbox
from controller.sandbox.coupa import CoupaEmulator

from .helpers import CLIENT_ID, CLIENT_SECRET, cxml_supplier, plain_supplier

SCOPES = "core.supplier.read core.supplier.write core.common.read core.common.write"


class Raw:
    """Plain HTTP to one tenant: a token, then requests with chosen headers."""

    def __init__(self, sandbox: Sandbox, host: str, scope: str = SCOPES) -> None:
        self.http = httpx.Client(base_url=sandbox.url, headers={"Host": host})
        self.host = host
        self.token = self.get_token(scope=scope).json()["access_token"]

    def get_token(self, **form: str) -> httpx.Response:
        fields = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
        fields |= {"client_secret": CLIENT_SECRET, "scope": SCOPES} | form
        return self.http.post("/oauth2/token", data=fields)

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        sent = {"Accept": "application/json", "Authorization": f"Bearer {self.token}"}
        sent |= {k.replace("_", "-"): v for k, v in headers.items()}
        content = None if body is None else json.dumps(body)
        if content is not None:
            sent.setdefault("Content-Type", "application/json")
        return self.http.request(method, path, content=content, headers=sent)


@pytest.fixture
def raw(sandbox: Sandbox, host: str) -> Raw:
    return Raw(sandbox, host)


def errors(response: httpx.Response, key: str = "supplier") -> list[str]:
    body = response.json()
    assert set(body) == {"errors"}, body
    messages: list[str] = body["errors"][key]
    return messages


# ---- OAuth ----------------------------------------------------------------------------------


def test_token_reply_shape(raw: Raw) -> None:
    reply = raw.get_token(scope="core.supplier.read")
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 86399
    assert body["scope"] == "core.supplier.read"


@pytest.mark.parametrize(
    "form", [{"client_secret": "nope"}, {"client_id": "someone-else"}, {"client_id": ""}]
)
def test_a_wrong_client_is_invalid_client(raw: Raw, form: dict[str, str]) -> None:
    reply = raw.get_token(**form)
    assert reply.status_code == 401 and reply.json()["error"] == "invalid_client"


def test_a_tenant_without_registered_clients_accepts_any(sandbox: Sandbox) -> None:
    host = "open.coupahost.com"
    sandbox.control.coupa.set_rate_limit(host, rate=0)
    raw = Raw(sandbox, host)
    assert raw.get_token(client_id="anyone", client_secret="anything").status_code == 200


def test_only_client_credentials(raw: Raw) -> None:
    reply = raw.get_token(grant_type="password")
    assert reply.status_code == 400 and reply.json()["error"] == "unsupported_grant_type"
    json_body = raw.http.post("/oauth2/token", json={"grant_type": "client_credentials"})
    assert json_body.status_code == 400  # m018: form-encoded only


def test_no_token_or_a_bad_one_is_401(raw: Raw) -> None:
    assert raw.call("GET", "/api/suppliers", Authorization="").status_code == 401
    assert raw.call("GET", "/api/suppliers", Authorization="Bearer nope").status_code == 401


def test_an_expired_token_is_401(sandbox: Sandbox, host: str) -> None:
    clock = [0.0]
    app = CoupaEmulator(clock=lambda: clock[0])
    form = f"grant_type=client_credentials&client_id=x&client_secret=y&scope={SCOPES}".encode()
    form_type = {"Host": host, "Content-Type": "application/x-www-form-urlencoded"}
    _, _, body = app.handle("POST", "/oauth2/token", "", form_type, form)
    token = json.loads(body)["access_token"]
    headers = {"Host": host, "Accept": "application/json", "Authorization": f"Bearer {token}"}
    assert app.handle("GET", "/api/suppliers", "", headers, b"")[0] == 200
    clock[0] += 86399
    status, reply_headers, _ = app.handle("GET", "/api/suppliers", "", headers, b"")
    assert status == 401 and "invalid_token" in reply_headers["WWW-Authenticate"]


def test_tokens_are_bound_to_their_tenant(sandbox: Sandbox, new_host: Callable[[], str]) -> None:
    acme, beta = Raw(sandbox, new_host()), Raw(sandbox, new_host())
    stolen = acme.call("GET", "/api/suppliers", Authorization=f"Bearer {beta.token}")
    assert stolen.status_code == 401


def test_a_missing_scope_is_403(sandbox: Sandbox, host: str) -> None:
    reader = Raw(sandbox, host, scope="core.supplier.read")
    assert reader.call("GET", "/api/suppliers").status_code == 200
    refused = reader.call("POST", "/api/suppliers", plain_supplier("X"))
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    assert reader.call("GET", "/api/commodities").status_code == 403


# ---- content negotiation and verbs -----------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/xml", "*/*", ""])
def test_accept_must_be_json(raw: Raw, accept: str) -> None:
    reply = raw.call("GET", "/api/suppliers", Accept=accept)
    assert reply.status_code == 406
    assert "application/json" in errors(reply, "base")[0]


def test_a_body_must_be_json(raw: Raw) -> None:
    reply = raw.call("POST", "/api/suppliers", plain_supplier("X"), Content_Type="text/xml")
    assert reply.status_code == 415


@pytest.mark.parametrize("path", ["/api/suppliers/1", "/api/commodities/1", "/api/suppliers"])
def test_there_is_no_delete(raw: Raw, path: str) -> None:
    raw.call("POST", "/api/suppliers", plain_supplier("X"))
    raw.call("POST", "/api/commodities", {"name": "X"})
    reply = raw.call("DELETE", path)
    assert reply.status_code == 405 and "DELETE" not in reply.headers["Allow"]


def test_patch_is_a_partial_update_too(raw: Raw) -> None:
    created = raw.call("POST", "/api/suppliers", plain_supplier("X")).json()
    patched = raw.call("PATCH", f"/api/suppliers/{created['id']}", {"status": "inactive"})
    assert patched.status_code == 200
    assert patched.json()["status"] == "inactive" and patched.json()["name"] == "X"


def test_unknown_paths(raw: Raw) -> None:
    assert raw.call("GET", "/api/punchout_sites").status_code == 404  # §1.4: no such API
    missing = raw.call("GET", "/api/suppliers/999")
    assert missing.status_code == 404 and "id=999" in errors(missing)[0]


# ---- supplier rules -------------------------------------------------------------------------


def test_create_returns_201_with_hyphenated_keys(raw: Raw) -> None:
    reply = raw.call("POST", "/api/suppliers", cxml_supplier())
    assert reply.status_code == 201
    body = reply.json()
    assert isinstance(body["id"], int) and body["status"] == "draft"
    assert "po-method" in body and "po_method" not in body
    assert body["created-at"] == body["updated-at"]


def test_underscore_keys_are_accepted(raw: Raw) -> None:
    reply = raw.call("POST", "/api/suppliers", {"name": "X", "invoice_matching_level": "none"})
    assert reply.status_code == 201 and reply.json()["invoice-matching-level"] == "none"


def test_names_are_unique_and_required(raw: Raw) -> None:
    assert raw.call("POST", "/api/suppliers", plain_supplier("Twice")).status_code == 201
    again = raw.call("POST", "/api/suppliers", plain_supplier("Twice"))
    assert again.status_code == 400
    assert errors(again) == ["name has already been taken"]
    nameless = raw.call("POST", "/api/suppliers", {"invoice-matching-level": "none"})
    assert errors(nameless) == ["name is required"]


def test_a_rename_onto_another_name_is_refused(raw: Raw) -> None:
    raw.call("POST", "/api/suppliers", plain_supplier("A"))
    b = raw.call("POST", "/api/suppliers", plain_supplier("B")).json()
    assert raw.call("PUT", f"/api/suppliers/{b['id']}", {"name": "A"}).status_code == 400
    assert raw.call("PUT", f"/api/suppliers/{b['id']}", {"name": "B"}).status_code == 200


def test_invoice_supplier_identity_is_unique(raw: Raw) -> None:
    first = cxml_supplier("A", **{"cxml-invoice-supplier-identity": "SAME"})
    second = cxml_supplier("B", **{"cxml-invoice-supplier-identity": "SAME"})
    assert raw.call("POST", "/api/suppliers", first).status_code == 201
    refused = raw.call("POST", "/api/suppliers", second)
    assert errors(refused) == ["cxml-invoice-supplier-identity has already been taken"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("po-method", "fax"),
        ("invoice-matching-level", "4-way"),
        ("status", "suspended"),
        ("allow-cxml-invoicing", "yes"),
        ("name", 42),
    ],
)
def test_enums_and_types_are_checked(raw: Raw, field: str, value: Any) -> None:
    reply = raw.call("POST", "/api/suppliers", cxml_supplier(**{field: value}))
    assert reply.status_code == 400 and field in errors(reply)[0]


def test_unknown_keys_are_refused_on_put(raw: Raw) -> None:
    created = raw.call("POST", "/api/suppliers", plain_supplier("X")).json()
    reply = raw.call("PUT", f"/api/suppliers/{created['id']}", {"po-methd": "cxml"})
    assert reply.status_code == 400 and "po-methd" in errors(reply)[0]
    read_back = raw.call("PUT", f"/api/suppliers/{created['id']}", created)
    assert read_back.status_code == 200  # read-only keys of a read-back object are ignored


def test_cxml_po_method_needs_the_cxml_fields(raw: Raw) -> None:
    reply = raw.call("POST", "/api/suppliers", plain_supplier("X") | {"po-method": "cxml"})
    assert reply.status_code == 400
    assert "cxml-url is required when po-method is cxml" in errors(reply)
    assert not any("cxml-secret" in m for m in errors(reply))  # not confirmed (#10)


def test_invoicing_needs_the_five_invoice_fields(raw: Raw) -> None:
    created = raw.call(
        "POST",
        "/api/suppliers",
        cxml_supplier("AWS Marketplace", **{"allow-cxml-invoicing": False}),
    )
    supplier_id = created.json()["id"]
    cleared = raw.call("PUT", f"/api/suppliers/{supplier_id}", {"cxml-invoice-secret": None})
    assert cleared.status_code == 200
    refused = raw.call("PUT", f"/api/suppliers/{supplier_id}", {"allow-cxml-invoicing": True})
    assert errors(refused) == ["cxml-invoice-secret is required when allow-cxml-invoicing is true"]


def test_commodity_rules(raw: Raw) -> None:
    ok = raw.call("POST", "/api/commodities", {"name": "Software", "category": "services"})
    assert ok.status_code == 201 and ok.json()["active"] is True
    again = raw.call("POST", "/api/commodities", {"name": "Software"})
    assert errors(again, "commodity") == ["name has already been taken"]
    bad = raw.call("POST", "/api/commodities", {"name": "X", "category": "software"})
    assert bad.status_code == 400


# ---- lists ----------------------------------------------------------------------------------


def test_at_most_fifty_a_page(sandbox: Sandbox, host: str, raw: Raw) -> None:
    sandbox.control.coupa.seed(host, [plain_supplier(f"S{n:02d}") for n in range(60)])
    assert len(raw.call("GET", "/api/suppliers?limit=100").json()) == 50
    assert len(raw.call("GET", "/api/suppliers").json()) == 50
    page = raw.call("GET", "/api/suppliers?limit=5&offset=55").json()
    assert [s["name"] for s in page] == ["S55", "S56", "S57", "S58", "S59"]
    assert raw.call("GET", "/api/suppliers?offset=60").json() == []
    assert raw.call("GET", "/api/suppliers?limit=-1").status_code == 400


def test_filter_operators(sandbox: Sandbox, host: str, raw: Raw) -> None:
    names = ["AWS Marketplace", "AWS Marketplace EU", "Acme Office", "Zeta"]
    sandbox.control.coupa.seed(host, [plain_supplier(n) for n in names])

    def names_for(query: str) -> list[str]:
        reply = raw.call("GET", f"/api/suppliers?{query}")
        assert reply.status_code == 200, reply.text
        return [s["name"] for s in reply.json()]

    assert names_for("name=AWS%20Marketplace") == ["AWS Marketplace"]
    assert names_for("name[contains]=Market") == names[:2]
    assert names_for("name[starts_with]=A") == names[:3]
    assert names_for("name[ends_with]=EU") == ["AWS Marketplace EU"]
    assert names_for("name[in]=Zeta,Acme%20Office") == ["Acme Office", "Zeta"]
    assert names_for("name[not_eq]=Zeta") == names[:3]
    assert names_for("invoice_matching_level=2-way&name[contains]=EU") == ["AWS Marketplace EU"]
    assert names_for("id[gt]=2&id[lt]=4") == ["Acme Office"]
    assert names_for("number[blank]=true") == names
    assert raw.call("GET", "/api/suppliers?nmae=Zeta").status_code == 400
    assert raw.call("GET", "/api/suppliers?name[like]=Z").status_code == 400


# ---- limits, faults, control ----------------------------------------------------------------


def test_rate_limit_25_per_second_burst_20() -> None:
    clock = [0.0]
    app = CoupaEmulator(clock=lambda: clock[0])
    headers = {"Host": "acme.coupahost.com"}
    statuses = [app.handle("GET", "/api/suppliers", "", headers, b"")[0] for _ in range(21)]
    assert statuses[:20] == [401] * 20  # passed the limit, then refused for want of a token
    status, reply_headers, _ = app.handle("GET", "/api/suppliers", "", headers, b"")
    assert statuses[20] == 429 and status == 429 and reply_headers["Retry-After"] == "1"
    clock[0] += 1 / 25
    assert app.handle("GET", "/api/suppliers", "", headers, b"")[0] == 401


def test_injected_faults_come_first_then_stop(sandbox: Sandbox, host: str, raw: Raw) -> None:
    sandbox.control.coupa.inject(host, 429, count=1, retry_after=7)
    sandbox.control.coupa.inject(host, 503, count=1)
    throttled = raw.call("GET", "/api/suppliers")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert raw.call("GET", "/api/suppliers").status_code == 503
    assert raw.call("GET", "/api/suppliers").status_code == 200
    sandbox.control.coupa.inject(host, 503, target="token")
    assert raw.call("GET", "/api/suppliers").status_code == 200  # the API is not affected
    assert raw.get_token().status_code == 503


def test_call_counts(sandbox: Sandbox, host: str, raw: Raw) -> None:
    raw.call("GET", "/api/suppliers")
    created = raw.call("POST", "/api/suppliers", plain_supplier("X")).json()
    raw.call("GET", f"/api/suppliers/{created['id']}")
    assert sandbox.control.coupa.calls(host) == {
        "POST /oauth2/token": 1,
        "GET /api/suppliers": 1,
        "POST /api/suppliers": 1,
        "GET /api/suppliers/:id": 1,
        "total": 4,
    }
    sandbox.control.coupa.reset_calls(host)
    assert sandbox.control.coupa.calls(host) == {}


def test_drift_changes_a_supplier_behind_the_tools_back(
    sandbox: Sandbox, host: str, raw: Raw
) -> None:
    created = raw.call("POST", "/api/suppliers", cxml_supplier()).json()
    sandbox.control.coupa.drift(
        host, {"cxml_url": "https://old.example/po"}, name="AWS Marketplace"
    )
    shown = raw.call("GET", f"/api/suppliers/{created['id']}").json()
    assert shown["cxml-url"] == "https://old.example/po"
    with pytest.raises(ControlError) as caught:
        sandbox.control.coupa.drift(host, {"cxml-ulr": "x"}, id=created["id"])
    assert caught.value.status == 400
    with pytest.raises(ControlError) as caught:
        sandbox.control.coupa.drift(host, {"status": "active"}, name="Nobody")
    assert caught.value.status == 404


def test_the_sandbox_reset_resets_coupa(sandbox: Sandbox, new_host: Callable[[], str]) -> None:
    host = new_host()
    sandbox.control.coupa.seed(host, [plain_supplier("X")])
    sandbox.control.reset()
    assert sandbox.control.coupa.suppliers(host) == []
    assert Raw(sandbox, host).get_token(client_id="unregistered").status_code == 200


def test_a_seed_is_validated(sandbox: Sandbox, host: str) -> None:
    with pytest.raises(ControlError) as caught:
        sandbox.control.coupa.seed(host, [{"name": "X"}])
    assert caught.value.status == 400 and "invoice-matching-level" in caught.value.message
