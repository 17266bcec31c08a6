"""Service rules and shape validation, each rejected with a message naming the field."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import create_request, error_of, put_request

from controller.sandbox.aws import rules


def rejected(client, **overrides) -> tuple[str, str, dict]:
    with pytest.raises(ClientError) as info:
        client.create_procurement_portal_preference(**create_request(**overrides))
    code, message = error_of(info.value)
    return code, message, info.value.response


@pytest.mark.parametrize(
    "url",
    ["http://acme.coupahost.com", "acme.coupahost.com", "https://", "ftp://acme.coupahost.com"],
)
def test_an_instance_endpoint_that_is_not_an_https_url_is_rejected(client, url):
    code, message, response = rejected(client, ProcurementPortalInstanceEndpoint=url)
    assert code == "ValidationException"
    assert "'ProcurementPortalInstanceEndpoint'" in message
    assert "https URL with a host" in message
    assert response["reason"] == "invalidInput"


def test_a_test_environment_endpoint_must_be_https(client):
    test_env = {
        "BuyerDomain": "NetworkID",
        "BuyerIdentifier": "ACME-TEST",
        "SupplierDomain": "NetworkID",
        "SupplierIdentifier": "AWS-TEST",
        "ProcurementPortalInstanceEndpoint": "http://acme-test.coupahost.com",
    }
    code, message, _ = rejected(client, TestEnvPreference=test_env)
    assert code == "ValidationException"
    assert "'TestEnvPreference.ProcurementPortalInstanceEndpoint'" in message


def test_an_approval_redirect_url_must_be_https(client):
    redirect = {"ApprovalRequestRedirectUrl": "http://acme.coupahost.com/requisitions"}
    _code, message, _ = rejected(client, MarketplacePunchOutPreference=redirect)
    assert "'MarketplacePunchOutPreference.ApprovalRequestRedirectUrl'" in message
    assert "https URL" in message


def test_coupa_punch_out_redirect_on_another_host_is_rejected(client):
    redirect = {"ApprovalRequestRedirectUrl": "https://evil.example/requisitions"}
    code, message, response = rejected(client, MarketplacePunchOutPreference=redirect)
    assert code == "ValidationException"
    assert "'MarketplacePunchOutPreference.ApprovalRequestRedirectUrl'" in message
    assert "evil.example" in message and "acme.coupahost.com" in message
    assert [f["name"] for f in response["fieldList"]] == [
        "MarketplacePunchOutPreference.ApprovalRequestRedirectUrl"
    ]


def test_coupa_punch_out_without_a_redirect_url_is_rejected(client):
    code, message, _ = rejected(client, MarketplacePunchOutPreference={})
    assert code == "ValidationException"
    assert "MarketplacePunchOutPreference.ApprovalRequestRedirectUrl" in message
    assert "is required when MarketplacePunchOutEnabled is true for COUPA" in message


def test_punch_out_disabled_needs_no_redirect_url(client):
    request = create_request(MarketplacePunchOutEnabled=False)
    del request["MarketplacePunchOutPreference"]
    assert client.create_procurement_portal_preference(**request)["ProcurementPortalPreferenceArn"]


def test_sap_punch_out_needs_no_redirect_url(client):
    # The redirect URL is Coupa's alone (refused for SAP: test_sandbox_as_aws.py).
    request = create_request(ProcurementPortalName="SAP_BUSINESS_NETWORK")
    del request["MarketplacePunchOutPreference"]
    assert client.create_procurement_portal_preference(**request)["ProcurementPortalPreferenceArn"]


def test_einvoice_delivery_enabled_needs_its_preference(client):
    request = create_request()
    del request["EinvoiceDeliveryPreference"]
    with pytest.raises(ClientError) as info:
        client.create_procurement_portal_preference(**request)
    code, message = error_of(info.value)
    assert code == "ValidationException"
    assert "'EinvoiceDeliveryPreference'" in message
    assert "EinvoiceDeliveryEnabled is true" in message


def test_put_is_held_to_the_same_rules_using_the_stored_portal_name(client):
    request = create_request()
    arn = client.create_procurement_portal_preference(**request)["ProcurementPortalPreferenceArn"]
    redirect = {"ApprovalRequestRedirectUrl": "https://other.example/x"}
    with pytest.raises(ClientError) as info:
        client.put_procurement_portal_preference(
            **put_request(arn, request, MarketplacePunchOutPreference=redirect)
        )
    assert "MarketplacePunchOutPreference.ApprovalRequestRedirectUrl" in error_of(info.value)[1]


def test_two_contacts_are_rejected_by_the_model_length_1(client):
    contacts = [{"Name": "A", "Email": "a@acme.example"}, {"Name": "B", "Email": "b@acme.example"}]
    code, message, response = rejected(client, Contacts=contacts)
    assert code == "ValidationException"
    assert "'Contacts'" in message and "less than or equal to 1" in message
    assert response["reason"] == "fieldValidationFailed"


def test_an_identifier_with_whitespace_is_rejected_by_its_pattern(client):
    _code, message, _ = rejected(client, BuyerIdentifier="ACME EMEA")
    assert "'BuyerIdentifier'" in message and "regular expression pattern" in message


def test_an_identifier_longer_than_1024_is_rejected(client):
    _code, message, _ = rejected(client, BuyerIdentifier="A" * 1025)
    assert "'BuyerIdentifier'" in message and "1024" in message


def test_a_bad_enum_inside_a_nested_structure_is_named_by_its_dotted_path(client):
    request = create_request()
    request["EinvoiceDeliveryPreference"]["ConnectionTestingMethod"] = "CARRIER_PIGEON"
    with pytest.raises(ClientError) as info:
        client.create_procurement_portal_preference(**request)
    message = error_of(info.value)[1]
    assert "'EinvoiceDeliveryPreference.ConnectionTestingMethod'" in message
    assert "CARRIER_PIGEON" in message


def test_a_bad_email_inside_a_list_is_named_with_its_index(client):
    _code, message, response = rejected(client, Contacts=[{"Name": "A", "Email": "not-an-email"}])
    assert "'Contacts[0].Email'" in message
    assert response["fieldList"][0]["name"] == "Contacts[0].Email"


def test_every_violation_is_reported_not_only_the_first(client):
    _code, message, response = rejected(client, BuyerIdentifier="A B", SupplierIdentifier="C D")
    assert message.startswith("2 validation errors detected")
    assert {f["name"] for f in response["fieldList"]} == {"BuyerIdentifier", "SupplierIdentifier"}


def test_the_shared_secret_is_never_echoed_in_an_error(client):
    _code, message, _ = rejected(client, ProcurementPortalSharedSecret="canary secret")
    assert "'ProcurementPortalSharedSecret'" in message
    assert "canary" not in message


def test_the_rules_table_names_a_field_for_every_rule():
    assert len({rule.name for rule in rules.RULES}) == len(rules.RULES)
    assert all(rule.field and rule.holds({}) for rule in rules.RULES)


def test_a_test_environment_secret_is_not_echoed_either(client):
    test_env = {
        "BuyerDomain": "NetworkID",
        "BuyerIdentifier": "ACME-TEST",
        "SupplierDomain": "NetworkID",
        "SupplierIdentifier": "AWS-TEST",
        "ProcurementPortalSharedSecret": "canary test secret",
    }
    _code, message, _ = rejected(client, TestEnvPreference=test_env)
    assert "'TestEnvPreference.ProcurementPortalSharedSecret'" in message
    assert "canary" not in message
