"""Where the sandbox answers as AWS documents it: suppliers, defaults, tag rules, errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import create_request, error_of, get, raw_call

from controller.sandbox.aws import suppliers

ARN = "ProcurementPortalPreferenceArn"
EXAMPLE_SUPPLIERS = {("AWS-MARKETPLACE", "PROD"), ("AWS-MARKETPLACE-TEST", "TEST")}


def create(client, **overrides) -> str:
    return client.create_procurement_portal_preference(**create_request(**overrides))[ARN]


def refused(call, **params) -> tuple[str, str, dict]:
    with pytest.raises(ClientError) as info:
        call(**params)
    code, message = error_of(info.value)
    return code, message, info.value.response


# --- ListProcurementPortalSuppliers ---------------------------------------------------------


def test_list_suppliers_has_the_identities_the_example_configs_use(client):
    listed = client.list_procurement_portal_suppliers(PortalIdentifier="COUPA")
    found = {
        (s["SupplierIdentifier"], s["Environment"]) for s in listed["ProcurementPortalSuppliers"]
    }
    assert found >= EXAMPLE_SUPPLIERS


def test_list_suppliers_names_seller_of_record_and_country(client):
    listed = client.list_procurement_portal_suppliers(PortalIdentifier="COUPA")
    first = next(
        s
        for s in listed["ProcurementPortalSuppliers"]
        if s["SupplierIdentifier"] == "AWS-MARKETPLACE"
    )
    assert first == {
        "SupplierIdentifier": "AWS-MARKETPLACE",
        "SellerOfRecord": "AWS_INC",
        "CountryCode": "US",
        "Environment": "PROD",
    }
    sellers = {s["SellerOfRecord"] for s in listed["ProcurementPortalSuppliers"]}
    assert "AWS_EUROPE" in sellers


def test_list_suppliers_pages_with_the_boto3_paginator(client):
    pages = client.get_paginator("list_procurement_portal_suppliers").paginate(
        PortalIdentifier="COUPA", PaginationConfig={"PageSize": 1}
    )
    listed = [s["SupplierIdentifier"] for page in pages for s in page["ProcurementPortalSuppliers"]]
    coupa = [s.identifier for s in suppliers.SUPPLIERS if s.portal == "COUPA"]
    assert listed == coupa


def test_list_suppliers_of_an_unknown_portal_is_resource_not_found(client):
    code, _, _ = refused(client.list_procurement_portal_suppliers, PortalIdentifier="ARIBA")
    assert code == "ResourceNotFoundException"


def test_a_supplier_next_token_of_one_portal_is_refused_for_another(client):
    first = client.list_procurement_portal_suppliers(PortalIdentifier="COUPA", MaxResults=1)
    code, _, response = refused(
        client.list_procurement_portal_suppliers,
        PortalIdentifier="SAP_BUSINESS_NETWORK",
        NextToken=first["NextToken"],
    )
    assert (code, response["reason"]) == ("ValidationException", "invalidNextToken")


# --- defaults -------------------------------------------------------------------------------


def test_punch_out_enabled_reads_back_false_when_omitted_at_create(client):
    request = create_request()
    del request["MarketplacePunchOutEnabled"], request["MarketplacePunchOutPreference"]
    arn = client.create_procurement_portal_preference(**request)[ARN]
    assert get(client, arn)["MarketplacePunchOutEnabled"] is False


def test_list_procurement_portals_default_page_holds_100(sandbox):
    # Two portals exist, so the default page (100) must hold them all without a NextToken;
    # the raw call shows the server's own default rather than botocore's.
    status, body = raw_call(sandbox.url, "ListProcurementPortals", {})
    assert status == 200
    assert len(body["ProcurementPortals"]) == 2 and "NextToken" not in body


def test_list_suppliers_default_page_holds_100(sandbox):
    status, body = raw_call(
        sandbox.url, "ListProcurementPortalSuppliers", {"PortalIdentifier": "COUPA"}
    )
    assert status == 200
    assert "NextToken" not in body


# --- tags -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["aws:owner", "AWS:owner", "cost\ncenter", "a#b", "semi;colon"])
def test_a_reserved_or_malformed_tag_key_is_a_validation_error(tenant, key):
    arn = create(tenant.client)
    code, _, response = refused(
        tenant.client.tag_resource, ResourceArn=arn, ResourceTags=[{"Key": key, "Value": "v"}]
    )
    assert code == "ValidationException"
    assert [f["name"] for f in response["fieldList"]] == ["ResourceTags[0].Key"]


def test_a_malformed_tag_value_is_a_validation_error(tenant):
    arn = create(tenant.client)
    code, _, response = refused(
        tenant.client.tag_resource, ResourceArn=arn, ResourceTags=[{"Key": "k", "Value": "a\nb"}]
    )
    assert code == "ValidationException"
    assert [f["name"] for f in response["fieldList"]] == ["ResourceTags[0].Value"]


def test_a_reserved_tag_key_at_create_creates_nothing(tenant):
    code, _, _ = refused(
        tenant.client.create_procurement_portal_preference,
        **create_request(ResourceTags=[{"Key": "aws:cloudformation:stack", "Value": "x"}]),
    )
    assert code == "ValidationException"
    listed = tenant.client.list_procurement_portal_preferences()["ProcurementPortalPreferences"]
    assert listed == []


def test_untagging_a_reserved_key_is_a_validation_error(tenant):
    arn = create(tenant.client)
    code, _, _ = refused(tenant.client.untag_resource, ResourceArn=arn, ResourceTagKeys=["aws:x"])
    assert code == "ValidationException"


def test_tags_of_every_allowed_character_are_accepted(tenant):
    arn = create(tenant.client)
    tag = {"Key": "Ünïcode 42 _.:/=+-@", "Value": "日本 value _.:/=+-@"}
    tenant.client.tag_resource(ResourceArn=arn, ResourceTags=[tag])
    assert tag in tenant.client.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]


# --- rules and errors -----------------------------------------------------------------------


def test_an_approval_redirect_url_is_refused_for_sap(client):
    code, message, response = refused(
        client.create_procurement_portal_preference,
        **create_request(ProcurementPortalName="SAP_BUSINESS_NETWORK"),
    )
    assert code == "ValidationException"
    assert "approval-redirect-coupa-only" in message
    assert [f["name"] for f in response["fieldList"]] == [
        "MarketplacePunchOutPreference.ApprovalRequestRedirectUrl"
    ]


def test_a_client_token_reused_for_another_send_validation_is_no_conflict(tenant):
    first, second = create(tenant.client), create(tenant.client, BuyerIdentifier="OTHER")
    tenant.client.send_procurement_portal_validation(**{ARN: first, "ClientToken": "send-1"})
    code, message, _ = refused(
        tenant.client.send_procurement_portal_validation, **{ARN: second, "ClientToken": "send-1"}
    )
    assert code == "ValidationException"
    assert "send-1" in message


def test_a_client_token_reused_for_another_verify_is_no_conflict(tenant, sandbox):
    arn = create(tenant.client)
    tenant.client.send_procurement_portal_validation(**{ARN: arn})
    code_sent = sandbox.control.validation_code(arn)
    tenant.client.verify_procurement_portal_validation(
        **{ARN: arn, "Code": code_sent, "ClientToken": "verify-1"}
    )
    code, _, _ = refused(
        tenant.client.verify_procurement_portal_validation,
        **{ARN: arn, "Code": "00000000", "ClientToken": "verify-1"},
    )
    assert code == "ValidationException"


def test_a_bad_contact_email_is_not_echoed(client):
    code, message, _ = refused(
        client.create_procurement_portal_preference,
        **create_request(Contacts=[{"Name": "Jane Roe", "Email": "jane.roe-at-acme"}]),
    )
    assert code == "ValidationException"
    assert "'Contacts[0].Email'" in message
    assert "jane.roe-at-acme" not in message
