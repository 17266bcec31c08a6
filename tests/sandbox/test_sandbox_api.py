"""The procurement-portal operations through a real boto3 client over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import (
    FAKE_AUTHORIZATION,
    INSTANCE,
    create_request,
    error_of,
    get,
    make_client,
    put_request,
    raw_call,
)

from controller.sandbox import DEFAULT_ACCOUNT

ARN_PREFIX = "arn:aws:invoicing::{account}:procurement-portal-preference/"


def test_create_returns_an_arn_in_the_callers_account(tenant):
    arn = tenant.client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]
    assert arn.startswith(ARN_PREFIX.format(account=tenant.account))
    assert len(arn.rsplit("/", 1)[1]) == 36  # a uuid4


def test_get_returns_every_stored_field_with_version_1_and_pending_statuses(tenant):
    request = create_request()
    arn = tenant.client.create_procurement_portal_preference(**request)[
        "ProcurementPortalPreferenceArn"
    ]
    pref = get(tenant.client, arn)
    for key in ("BuyerIdentifier", "SupplierIdentifier", "ProcurementPortalInstanceEndpoint"):
        assert pref[key] == request[key]
    assert pref["ProcurementPortalSharedSecret"] == "canary-secret-1"
    assert pref["AwsAccountId"] == tenant.account
    assert pref["ProcurementPortalPreferenceArn"] == arn
    assert pref["Version"] == 1
    assert pref["EinvoiceDeliveryPreferenceStatus"] == "PENDING_VERIFICATION"
    assert pref["PurchaseOrderRetrievalPreferenceStatus"] == "PENDING_VERIFICATION"
    assert pref["PurchaseOrderRetrievalEndpoint"].startswith("https://")
    activation = pref["EinvoiceDeliveryPreference"]["EinvoiceDeliveryActivationDate"]
    assert activation == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert pref["CreateDate"] == pref["LastUpdateDate"]
    assert abs(pref["CreateDate"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_timestamps_travel_as_epoch_seconds_numbers(tenant, sandbox):
    sandbox.control.map_account("AKIARAWCALLER", tenant.account)
    arn = tenant.client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]
    status, body = raw_call(
        sandbox.url,
        "GetProcurementPortalPreference",
        {"ProcurementPortalPreferenceArn": arn},
        FAKE_AUTHORIZATION,
    )
    assert status == 200
    pref = body["ProcurementPortalPreference"]
    assert isinstance(pref["CreateDate"], int | float)
    assert pref["EinvoiceDeliveryPreference"]["EinvoiceDeliveryActivationDate"] == 1798761600


def test_a_disabled_feature_has_no_status(tenant):
    request = create_request(
        EinvoiceDeliveryEnabled=False,
        PurchaseOrderRetrievalEnabled=True,
    )
    arn = tenant.client.create_procurement_portal_preference(**request)[
        "ProcurementPortalPreferenceArn"
    ]
    pref = get(tenant.client, arn)
    assert "EinvoiceDeliveryPreferenceStatus" not in pref
    assert pref["PurchaseOrderRetrievalPreferenceStatus"] == "PENDING_VERIFICATION"


def test_list_pages_through_250_preferences_with_the_boto3_paginator(tenant):
    created = [
        tenant.client.create_procurement_portal_preference(
            **create_request(BuyerIdentifier=f"BUYER-{i:03d}")
        )["ProcurementPortalPreferenceArn"]
        for i in range(250)
    ]
    paginator = tenant.client.get_paginator("list_procurement_portal_preferences")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 100}))
    assert [len(page["ProcurementPortalPreferences"]) for page in pages] == [100, 100, 50]
    listed = [
        p["ProcurementPortalPreferenceArn"]
        for page in pages
        for p in page["ProcurementPortalPreferences"]
    ]
    assert listed == created
    assert all("NextToken" in page for page in pages[:-1]) and "NextToken" not in pages[-1]


def test_list_summaries_carry_statuses_but_never_the_shared_secret(tenant):
    tenant.client.create_procurement_portal_preference(**create_request())
    summary = tenant.client.list_procurement_portal_preferences()["ProcurementPortalPreferences"][0]
    assert summary["EinvoiceDeliveryPreferenceStatus"] == "PENDING_VERIFICATION"
    assert "ProcurementPortalSharedSecret" not in summary
    assert "Contacts" not in summary


def test_list_default_page_size_is_20(tenant):
    for i in range(21):
        tenant.client.create_procurement_portal_preference(
            **create_request(BuyerIdentifier=f"B{i}")
        )
    page = tenant.client.list_procurement_portal_preferences()
    assert len(page["ProcurementPortalPreferences"]) == 20
    rest = tenant.client.list_procurement_portal_preferences(NextToken=page["NextToken"])
    assert len(rest["ProcurementPortalPreferences"]) == 1 and "NextToken" not in rest


def test_list_rejects_a_forged_next_token(client):
    with pytest.raises(ClientError) as info:
        client.list_procurement_portal_preferences(NextToken="not-a-token")
    assert error_of(info.value)[0] == "ValidationException"
    assert info.value.response["reason"] == "invalidNextToken"


def test_a_next_token_of_one_account_is_refused_for_another(new_tenant):
    first, second = new_tenant(), new_tenant()
    for i in range(3):
        first.client.create_procurement_portal_preference(**create_request(BuyerIdentifier=f"B{i}"))
    token = first.client.list_procurement_portal_preferences(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as info:
        second.client.list_procurement_portal_preferences(NextToken=token)
    assert info.value.response["reason"] == "invalidNextToken"


def test_put_raises_version_and_replaces_mutable_fields(tenant):
    request = create_request()
    arn = tenant.client.create_procurement_portal_preference(**request)[
        "ProcurementPortalPreferenceArn"
    ]
    tenant.client.put_procurement_portal_preference(
        **put_request(arn, request, Contacts=[{"Name": "New Ops", "Email": "new@acme.example"}])
    )
    pref = get(tenant.client, arn)
    assert pref["Version"] == 2
    assert pref["Contacts"] == [{"Name": "New Ops", "Email": "new@acme.example"}]
    assert pref["LastUpdateDate"] >= pref["CreateDate"]


def test_put_is_a_full_write_that_drops_omitted_optional_fields(tenant):
    request = create_request(Selector={"SellerOfRecords": ["AWS_INC"]})
    arn = tenant.client.create_procurement_portal_preference(**request)[
        "ProcurementPortalPreferenceArn"
    ]
    put = put_request(arn, request)
    del put["Selector"]
    tenant.client.put_procurement_portal_preference(**put)
    assert "Selector" not in get(tenant.client, arn)


def test_put_keeps_the_immutable_identity_fields(tenant):
    request = create_request()
    arn = tenant.client.create_procurement_portal_preference(**request)[
        "ProcurementPortalPreferenceArn"
    ]
    tenant.client.put_procurement_portal_preference(**put_request(arn, request))
    pref = get(tenant.client, arn)
    assert (pref["ProcurementPortalName"], pref["BuyerIdentifier"]) == ("COUPA", "ACME-EMEA")
    assert pref["CreateDate"] <= pref["LastUpdateDate"]


def test_create_with_the_same_client_token_twice_creates_one_preference(tenant):
    request = create_request(ClientToken="apply-acme-1")
    first = tenant.client.create_procurement_portal_preference(**request)
    second = tenant.client.create_procurement_portal_preference(**request)
    assert first["ProcurementPortalPreferenceArn"] == second["ProcurementPortalPreferenceArn"]
    listed = tenant.client.list_procurement_portal_preferences()["ProcurementPortalPreferences"]
    assert len(listed) == 1


def test_reusing_a_client_token_for_a_different_request_is_a_conflict(tenant):
    tenant.client.create_procurement_portal_preference(**create_request(ClientToken="tok-1"))
    with pytest.raises(ClientError) as info:
        tenant.client.create_procurement_portal_preference(
            **create_request(ClientToken="tok-1", BuyerIdentifier="SOMEONE-ELSE")
        )
    code, message = error_of(info.value)
    assert code == "ConflictException"
    assert "tok-1" in message


def test_client_tokens_are_scoped_per_account(new_tenant):
    first, second = new_tenant(), new_tenant()
    a = first.client.create_procurement_portal_preference(**create_request(ClientToken="shared"))
    b = second.client.create_procurement_portal_preference(**create_request(ClientToken="shared"))
    assert a["ProcurementPortalPreferenceArn"] != b["ProcurementPortalPreferenceArn"]


def test_put_with_a_repeated_client_token_writes_once(tenant):
    request = create_request()
    arn = tenant.client.create_procurement_portal_preference(**request)[
        "ProcurementPortalPreferenceArn"
    ]
    put = put_request(arn, request, ClientToken="put-once")
    tenant.client.put_procurement_portal_preference(**put)
    tenant.client.put_procurement_portal_preference(**put)
    assert get(tenant.client, arn)["Version"] == 2


def test_delete_removes_the_preference(tenant):
    arn = tenant.client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]
    out = tenant.client.delete_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)
    assert out["ProcurementPortalPreferenceArn"] == arn
    with pytest.raises(ClientError) as info:
        get(tenant.client, arn)
    assert error_of(info.value)[0] == "ResourceNotFoundException"


def test_delete_retried_with_its_client_token_succeeds_again(tenant):
    arn = tenant.client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]
    for _ in range(2):
        tenant.client.delete_procurement_portal_preference(
            ProcurementPortalPreferenceArn=arn, ClientToken="delete-1"
        )
    with pytest.raises(ClientError) as info:
        tenant.client.delete_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)
    assert error_of(info.value)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    "call",
    [
        lambda c, arn: c.get_procurement_portal_preference(ProcurementPortalPreferenceArn=arn),
        lambda c, arn: c.put_procurement_portal_preference(**put_request(arn)),
        lambda c, arn: c.delete_procurement_portal_preference(ProcurementPortalPreferenceArn=arn),
        lambda c, arn: c.send_procurement_portal_validation(ProcurementPortalPreferenceArn=arn),
        lambda c, arn: c.list_tags_for_resource(ResourceArn=arn),
    ],
    ids=["get", "put", "delete", "send", "list-tags"],
)
def test_an_unknown_arn_is_resource_not_found(tenant, call):
    arn = ARN_PREFIX.format(account=tenant.account) + "does-not-exist"
    with pytest.raises(ClientError) as info:
        call(tenant.client, arn)
    code, message = error_of(info.value)
    assert code == "ResourceNotFoundException"
    assert arn in message


def test_another_account_can_neither_list_nor_get_a_preference(new_tenant):
    owner, other = new_tenant(), new_tenant()
    arn = owner.client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]
    assert other.client.list_procurement_portal_preferences()["ProcurementPortalPreferences"] == []
    with pytest.raises(ClientError) as info:
        get(other.client, arn)
    assert error_of(info.value)[0] == "ResourceNotFoundException"


def test_an_unmapped_access_key_acts_as_the_default_account(sandbox):
    client = make_client(sandbox, "AKIANEVERMAPPED")
    arn = client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]
    assert f"::{DEFAULT_ACCOUNT}:" in arn
    assert get(client, arn)["AwsAccountId"] == DEFAULT_ACCOUNT
    client.delete_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)


def test_tags_given_at_create_are_listed(tenant):
    arn = tenant.client.create_procurement_portal_preference(
        **create_request(ResourceTags=[{"Key": "coupa-gitops/name", "Value": "acme"}])
    )["ProcurementPortalPreferenceArn"]
    tags = tenant.client.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]
    assert tags == [{"Key": "coupa-gitops/name", "Value": "acme"}]


def test_tag_resource_adds_and_overwrites_and_untag_removes(tenant):
    arn = tenant.client.create_procurement_portal_preference(
        **create_request(ResourceTags=[{"Key": "a", "Value": "1"}])
    )["ProcurementPortalPreferenceArn"]
    tenant.client.tag_resource(
        ResourceArn=arn, ResourceTags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}]
    )
    tenant.client.untag_resource(ResourceArn=arn, ResourceTagKeys=["b"])
    tags = tenant.client.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]
    assert tags == [{"Key": "a", "Value": "2"}]
    assert get(tenant.client, arn)["Version"] == 1  # tags are not part of the preference


def test_more_than_200_tags_exceed_the_quota(tenant):
    arn = tenant.client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]
    tenant.client.tag_resource(
        ResourceArn=arn, ResourceTags=[{"Key": f"k{i}", "Value": "v"} for i in range(200)]
    )
    with pytest.raises(ClientError) as info:
        tenant.client.tag_resource(ResourceArn=arn, ResourceTags=[{"Key": "one-more", "Value": ""}])
    assert error_of(info.value)[0] == "ServiceQuotaExceededException"


def test_list_procurement_portals_offers_coupa(client):
    portals = client.list_procurement_portals()["ProcurementPortals"]
    coupa = next(p for p in portals if p["PortalName"] == "COUPA")
    types = coupa["DefaultFeatureConfigurations"]["InvoiceConfiguration"]["DocumentTypes"]
    assert "AWS_MARKETPLACE_INVOICE" in types


def test_list_procurement_portals_paginates(client):
    first = client.list_procurement_portals(MaxResults=1)
    second = client.list_procurement_portals(MaxResults=1, NextToken=first["NextToken"])
    names = {first["ProcurementPortals"][0]["PortalName"]}
    names.add(second["ProcurementPortals"][0]["PortalName"])
    assert names == {"COUPA", "SAP_BUSINESS_NETWORK"}
    assert "NextToken" not in second


def test_an_operation_of_the_model_the_sandbox_does_not_emulate_is_refused_clearly(client):
    with pytest.raises(ClientError) as info:
        client.list_invoice_units()
    code, message = error_of(info.value)
    assert code == "UnknownOperationException"
    assert "does not implement Invoicing.ListInvoiceUnits" in message


def test_the_endpoint_of_the_instance_is_stored_verbatim(tenant):
    arn = tenant.client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]
    assert get(tenant.client, arn)["ProcurementPortalInstanceEndpoint"] == INSTANCE
