"""The Coupa side end to end: real HTTP to the sandbox's AWS and Coupa emulators."""

from __future__ import annotations

import pytest

from .helpers import SECRETS

PROD = "acme.coupahost.com"
TEST = "acme-test.coupahost.com"
NAME = "AWS Marketplace"
COMMODITY_NAMES = {"Software as a Service", "Application Server Software", "Software"}


def supplier(world, host: str) -> dict:
    found = [s for s in world.control.coupa.suppliers(host) if s["name"] == NAME]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def coupa(world):
    """Both instances accept only the tool's own clients, with the rate limit off."""
    c = world.control.coupa
    c.register_client(PROD, "acme-gitops", SECRETS["ACME_COUPA_CLIENT_SECRET"])
    c.register_client(TEST, "acme-gitops-test", SECRETS["ACME_COUPA_TEST_CLIENT_SECRET"])
    for host in (PROD, TEST):
        c.set_rate_limit(host, rate=0)
    return c


def test_create_wires_both_instances_to_the_endpoints_aws_generated(world, coupa):
    world.write(coupa=True)
    planned = world.plan()
    assert planned.code == 0, planned.err
    assert f"[Coupa {PROD}]" in planned.out and f"[Coupa {TEST}]" in planned.out
    assert "supplier.cxml-url: (known after apply)" in planned.out
    assert "punch-out site is set up by hand" in planned.out
    applied = world.apply("--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    doc = world.live("acme-emea")
    prod, test = supplier(world, PROD), supplier(world, TEST)
    assert prod["cxml-url"] == doc["PurchaseOrderRetrievalEndpoint"]
    assert test["cxml-url"] == doc["TestEnvPreference"]["PurchaseOrderRetrievalEndpoint"]
    assert prod["cxml-secret"] == SECRETS["ACME_COUPA_SECRET"]
    assert test["cxml-secret"] == SECRETS["ACME_COUPA_TEST_SECRET"]
    assert (prod["cxml-identity"], prod["cxml-supplier-identity"]) == ("ACME-EMEA", "AWS-MARKETPLACE")
    assert prod["allow-cxml-invoicing"] is True
    assert prod["cxml-invoice-supplier-identity"] == "AWS-MARKETPLACE"
    assert prod["status"] == "inactive" and test["status"] == "active"  # test mode
    for host in (PROD, TEST):
        assert {c["name"] for c in coupa.commodities(host) if c["active"]} == COMMODITY_NAMES
    again = world.plan("--detailed-exitcode")
    assert again.code == 0, again.out
