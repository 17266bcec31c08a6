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
    assert (prod["cxml-identity"], prod["cxml-supplier-identity"]) == (
        "ACME-EMEA",
        "AWS-MARKETPLACE",
    )
    assert prod["allow-cxml-invoicing"] is True
    assert prod["cxml-invoice-supplier-identity"] == "AWS-MARKETPLACE"
    assert prod["status"] == "inactive" and test["status"] == "active"  # test mode
    for host in (PROD, TEST):
        assert {c["name"] for c in coupa.commodities(host) if c["active"]} == COMMODITY_NAMES
    again = world.plan("--detailed-exitcode")
    assert again.code == 0, again.out


def _created(world, coupa) -> None:
    world.write(coupa=True)
    applied = world.apply("--auto-approve")
    assert applied.code == 0, applied.out + applied.err


def _live(world, coupa) -> None:
    _created(world, coupa)
    world.make_ready()
    world.write(coupa=True, mode="live")
    went = world.apply("--auto-approve", "--allow-go-live")
    assert went.code == 0, went.out + went.err
    return went


def test_drift_in_coupa_is_found_and_repaired(world, coupa):
    _created(world, coupa)
    coupa.drift(PROD, {"cxml-url": "https://evil.example/po", "cxml-secret": "x"}, name=NAME)
    coupa.drift(TEST, {"active": False}, name="Software", resource="commodities")
    planned = world.plan("--detailed-exitcode")
    assert planned.code == 2
    assert 'supplier.cxml-url: "https://evil.example/po" -> "https://' in planned.out
    assert "supplier.cxml-secret: (sensitive value changed)" in planned.out
    assert "commodity.43230000.active: false -> true" in planned.out
    assert world.apply("--auto-approve").code == 0
    doc = world.live("acme-emea")
    assert supplier(world, PROD)["cxml-url"] == doc["PurchaseOrderRetrievalEndpoint"]
    assert supplier(world, PROD)["cxml-secret"] == SECRETS["ACME_COUPA_SECRET"]
    assert world.plan("--detailed-exitcode").code == 0


def test_429_and_an_expired_token_are_absorbed(world, coupa):
    world.write(coupa=True)
    coupa.set_token_lifetime(PROD, 1)
    coupa.inject(PROD, 429, count=3, retry_after=0)
    coupa.inject(TEST, 401, count=1)  # a token the server no longer accepts
    applied = world.apply("--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    assert supplier(world, PROD)["po-method"] == "cxml"
    assert supplier(world, TEST)["po-method"] == "cxml"
    assert coupa.calls(TEST).get("POST /oauth2/token", 0) >= 2


def test_go_live_activates_the_coupa_supplier_before_aws_goes_active(world, coupa):
    went = _live(world, coupa)
    lines = [line for line in went.out.splitlines() if "done" in line]
    coupa_at = next(i for i, line in enumerate(lines) if "(Coupa supplier)" in line)
    aws_at = next(
        i for i, line in enumerate(lines) if "mode test -> live" in line and "Coupa" not in line
    )
    assert coupa_at < aws_at, lines
    assert supplier(world, PROD)["status"] == "active"
    doc = world.live("acme-emea")
    assert doc["PurchaseOrderRetrievalPreferenceStatus"] == "ACTIVE"
    assert world.plan("--detailed-exitcode").code == 0


def test_go_live_without_approval_changes_neither_system(world, coupa):
    _created(world, coupa)
    world.make_ready()
    world.write(coupa=True, mode="live")
    blocked = world.apply("--auto-approve")
    assert blocked.code == 3
    assert "(Coupa supplier)" in blocked.err
    assert supplier(world, PROD)["status"] == "inactive"


def test_suspending_stops_aws_before_the_coupa_supplier_goes_inactive(world, coupa):
    _live(world, coupa)
    world.write(coupa=True, mode="suspended")
    done = world.apply("--auto-approve", "--allow-go-live")
    assert done.code == 0, done.out + done.err
    lines = [line for line in done.out.splitlines() if "done" in line]
    aws_at = next(
        i for i, line in enumerate(lines) if "live -> suspended" in line and "Coupa" not in line
    )
    coupa_at = next(i for i, line in enumerate(lines) if "(Coupa supplier)" in line)
    assert aws_at < coupa_at, lines
    assert supplier(world, PROD)["status"] == "inactive"
    assert world.live("acme-emea")["PurchaseOrderRetrievalPreferenceStatus"] == "SUSPENDED"


DENY_STATUS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "invoicing:UpdateProcurementPortalPreferenceStatus",
            "Resource": "*",
        },
    ],
}


def test_a_go_live_failing_between_the_systems_converges_on_a_re_run(world, coupa):
    _created(world, coupa)
    world.make_ready()
    world.write(coupa=True, mode="live")
    world.control.set_policy("AKIATESTRECONCILER", DENY_STATUS)
    try:
        failed = world.apply("--auto-approve", "--allow-go-live")
    finally:
        world.control.set_policy("AKIATESTRECONCILER", None)
    assert failed.code == 1, failed.out + failed.err
    assert "apply stopped" in failed.err
    assert supplier(world, PROD)["status"] == "active"  # the first half ran
    again = world.apply("--auto-approve", "--allow-go-live")
    assert again.code == 0, again.out + again.err
    assert world.live("acme-emea")["PurchaseOrderRetrievalPreferenceStatus"] == "ACTIVE"
    assert world.plan("--detailed-exitcode").code == 0


def test_a_create_failing_in_coupa_after_aws_converges_on_a_re_run(world, coupa):
    # Someone else's supplier holds the invoice identity Coupa keeps unique: our POST fails.
    coupa.seed(
        PROD,
        [
            {
                "name": "Other",
                "invoice-matching-level": "none",
                "allow-cxml-invoicing": True,
                "cxml-invoice-supplier-domain": "NetworkID",
                "cxml-invoice-supplier-identity": "AWS-MARKETPLACE",
                "cxml-invoice-buyer-domain": "NetworkID",
                "cxml-invoice-buyer-identity": "OTHER",
                "cxml-invoice-secret": "other",
            }
        ],
    )
    world.write(coupa=True)
    failed = world.apply("--auto-approve")
    assert failed.code == 1, failed.out + failed.err
    assert world.arn_of("acme-emea")  # AWS's half is done
    coupa.drift(PROD, {"cxml-invoice-supplier-identity": "OTHER-AWS"}, name="Other")
    again = world.apply("--auto-approve")
    assert again.code == 0, again.out + again.err
    assert (
        supplier(world, PROD)["cxml-url"]
        == world.live("acme-emea")["PurchaseOrderRetrievalEndpoint"]
    )
    assert world.plan("--detailed-exitcode").code == 0


def test_a_same_named_supplier_we_did_not_configure_is_adopted_only_explicitly(world, coupa):
    coupa.seed(PROD, [{"name": NAME, "invoice-matching-level": "2-way"}])
    world.write(coupa=True)
    planned = world.plan()
    assert "BLOCKED: adopt it with `adopt: true` in spec.coupa.supplier" in planned.out
    refused = world.apply("--auto-approve")
    assert refused.code == 1
    assert supplier(world, PROD)["invoice-matching-level"] == "2-way"  # untouched
    path = world.config / "acme-emea.yaml"
    text = path.read_text().replace(
        "invoiceMatchingLevel: none}", "invoiceMatchingLevel: none, adopt: true}"
    )
    path.write_text(text)
    assert world.apply("--auto-approve").code == 0
    assert supplier(world, PROD)["cxml-identity"] == "ACME-EMEA"


def test_an_unreadable_coupa_client_secret_is_unknown_never_unchanged(world, coupa, monkeypatch):
    _created(world, coupa)
    monkeypatch.delenv("ACME_COUPA_CLIENT_SECRET")
    planned = world.plan("--detailed-exitcode")
    assert planned.code == 2
    assert "env:ACME_COUPA_CLIENT_SECRET" in planned.out
    refused = world.apply("--auto-approve")
    assert refused.code == 1
    assert "is unknown" in refused.err


def test_the_outside_check_reads_back_what_the_tool_configured(world, coupa):
    """Written from Coupa's documentation only: a token (m018), then GET /api/suppliers?name=."""
    import json
    import urllib.parse
    import urllib.request

    _created(world, coupa)
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": "acme-gitops",
            "client_secret": SECRETS["ACME_COUPA_CLIENT_SECRET"],
            "scope": "core.supplier.read",
        }
    ).encode()
    headers = {"Host": PROD, "Content-Type": "application/x-www-form-urlencoded"}
    request = urllib.request.Request(
        f"{world.sandbox.url}/oauth2/token", data=form, headers=headers
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        token = json.load(reply)["access_token"]
    query = urllib.parse.urlencode({"name": NAME})
    request = urllib.request.Request(
        f"{world.sandbox.url}/api/suppliers?{query}",
        headers={"Host": PROD, "Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        (found,) = json.load(reply)
    doc = world.live("acme-emea")
    assert found["po-method"] == "cxml" and found["cxml-protocol"] == "cxml"
    assert found["cxml-url"] == doc["PurchaseOrderRetrievalEndpoint"]
    assert found["cxml-identity"] == doc["BuyerIdentifier"]
    assert found["cxml-supplier-identity"] == doc["SupplierIdentifier"]
    assert found["invoice-matching-level"] == "none"


def test_coupa_setup_prints_the_punch_out_form_with_secrets_as_references(world):
    world.write(coupa=True)
    shown = world.cli("coupa-setup", "acme-emea", str(world.config))
    assert shown.code == 0, shown.err
    assert "Coupa documents no API for punch-out sites" in shown.out
    assert "  Identity:                AWS-MARKETPLACE\n" in shown.out
    assert "  Sender Identity:         ACME-EMEA\n" in shown.out
    assert "the value of env:ACME_COUPA_SECRET" in shown.out
    assert "test instance https://acme-test.coupahost.com:" in shown.out


def test_an_integration_without_spec_coupa_never_calls_coupa(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    assert world.control.coupa.calls(PROD).get("total", 0) == 0
    assert "Coupa" not in world.plan().out


def test_a_removed_live_integrations_supplier_is_set_inactive_after_aws_is_deleted(world, coupa):
    import git

    repo = git.Repo.init(world.tmp_path)
    actor = git.Actor("t", "t@example.com")
    _live(world, coupa)
    path = world.config / "acme-emea.yaml"
    repo.index.add([str(path)])
    repo.index.commit("acme-emea, live", author=actor, committer=actor)
    (world.config / ".keep").write_text("")
    repo.index.add([str(world.config / ".keep")])
    repo.index.remove([str(path)], working_tree=True)
    repo.index.commit("remove acme-emea", author=actor, committer=actor)
    planned = world.plan("--changed-since", "HEAD~1")
    assert "Coupa deletes nothing, the supplier is set inactive" in planned.out
    blocked = world.apply("--auto-approve", "--allow-delete")
    assert blocked.code == 3  # the integration was live: go-live
    assert supplier(world, PROD)["status"] == "active"
    done = world.apply("--auto-approve", "--allow-delete", "--allow-go-live")
    assert done.code == 0, done.out + done.err
    assert world.summaries() == []
    assert supplier(world, PROD)["status"] == "inactive"


def test_the_go_live_plan_shows_the_coupa_side_of_the_readiness_check(world, coupa):
    _created(world, coupa)
    world.make_ready()
    coupa.drift(PROD, {"cxml-url": "https://old.example/po"}, name=NAME)
    world.write(coupa=True, mode="live")
    planned = world.plan()
    assert "[x] Coupa supplier wired to AWS's PO endpoint: cxml-url corrected by this apply" in (
        planned.out
    )
    assert "[x] cXML invoicing allowed in Coupa: in place" in planned.out
    markdown = world.plan("--format", "markdown").out
    assert f"Coupa {PROD}" in markdown
    assert (
        f"Acme EMEA activates the AWS Marketplace supplier in Coupa {PROD}, just before AWS "
        "Marketplace starts sending purchase orders and invoices there." in markdown
    )


def test_a_saved_plan_with_coupa_changes_applies_and_a_stale_one_is_refused(world, coupa):
    world.write(coupa=True)
    out = world.tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    assert world.apply("--plan", str(out)).code == 0
    assert supplier(world, PROD)["po-method"] == "cxml"
    coupa.drift(PROD, {"invoice-matching-level": "3-way"}, name=NAME)
    assert world.plan("--out", str(out)).code == 0
    coupa.drift(PROD, {"invoice-matching-level": "2-way"}, name=NAME)
    stale = world.apply("--plan", str(out))
    assert stale.code == 1 and "the plan is stale" in stale.err


def test_among_60_other_suppliers_ours_is_found_by_its_exact_name(world, coupa):
    others = [{"name": f"{NAME} {n:02d}", "invoice-matching-level": "2-way"} for n in range(60)]
    coupa.seed(PROD, others)
    _created(world, coupa)
    assert len(coupa.suppliers(PROD)) == 61
    assert world.plan("--detailed-exitcode").code == 0
    assert all(s["invoice-matching-level"] == "2-way" for s in coupa.suppliers(PROD)[:60])
