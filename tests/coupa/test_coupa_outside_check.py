"""An outside check written from Coupa's documentation only (fact sheet §1.1, §3.4, §4.3).

Plain `urllib`, none of our code on the reading side: get a token with the client-credentials
grant, then `GET /api/suppliers?name=...` and read back what our client configured.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

from controller.providers.coupa.client import CoupaClient
from controller.sandbox import Sandbox

from .helpers import CLIENT_ID, CLIENT_SECRET, PO_URL, SHARED_SECRET, cxml_supplier


def documented_get_suppliers(base: str, host: str, name: str) -> list[dict[str, Any]]:
    """m018/m019: POST /oauth2/token, form-encoded; m006/m007: GET /api/suppliers?name=."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "core.supplier.read",
        }
    ).encode()
    token_request = urllib.request.Request(
        f"{base}/oauth2/token",
        data=form,
        headers={"Host": host, "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(token_request, timeout=10) as reply:
        token = json.load(reply)["access_token"]
    query = urllib.parse.urlencode({"name": name})
    request = urllib.request.Request(
        f"{base}/api/suppliers?{query}",
        headers={"Host": host, "Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        found: list[dict[str, Any]] = json.load(reply)
        return found


def test_what_our_client_wrote_reads_back_the_documented_way(sandbox: Sandbox, host: str) -> None:
    with CoupaClient(f"https://{host}", CLIENT_ID, CLIENT_SECRET, endpoint_url=sandbox.url) as c:
        created = c.create("suppliers", cxml_supplier())
        c.update("suppliers", created["id"], {"status": "active"})
    found = documented_get_suppliers(sandbox.url, host, "AWS Marketplace")
    assert len(found) == 1
    supplier = found[0]
    assert supplier["id"] == created["id"]
    assert supplier["status"] == "active"
    assert supplier["po-method"] == "cxml" and supplier["cxml-protocol"] == "cxml"
    assert supplier["cxml-url"] == PO_URL
    assert supplier["cxml-secret"] == SHARED_SECRET  # §2.1: echoed on GET
    assert supplier["allow-cxml-invoicing"] is True
    assert supplier["invoice-matching-level"] == "none"
