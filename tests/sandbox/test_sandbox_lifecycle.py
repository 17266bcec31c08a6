"""The status model: send/verify, simulated connection tests, go-live and suspension."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import create_request, error_of, get, put_request

from controller.sandbox import ControlError
from controller.sandbox.aws import lifecycle

EINVOICE = "EinvoiceDeliveryPreferenceStatus"
PO = "PurchaseOrderRetrievalPreferenceStatus"


def statuses(client, arn):
    pref = get(client, arn)
    return pref.get(EINVOICE), pref.get(PO)


def create(client, **overrides):
    return client.create_procurement_portal_preference(**create_request(**overrides))[
        "ProcurementPortalPreferenceArn"
    ]


def validate(sandbox, client, arn):
    client.send_procurement_portal_validation(ProcurementPortalPreferenceArn=arn)
    code = sandbox.control.validation_code(arn)
    client.verify_procurement_portal_validation(ProcurementPortalPreferenceArn=arn, Code=code)


def set_status(client, arn, status, **extra):
    return client.update_procurement_portal_preference_status(
        ProcurementPortalPreferenceArn=arn,
        EinvoiceDeliveryPreferenceStatus=status,
        PurchaseOrderRetrievalPreferenceStatus=status,
        **extra,
    )


def test_the_whole_lifecycle_from_create_to_active_suspended_and_back(sandbox, client):
    arn = create(client)
    assert statuses(client, arn) == ("PENDING_VERIFICATION", "PENDING_VERIFICATION")
    client.send_procurement_portal_validation(ProcurementPortalPreferenceArn=arn)
    code = sandbox.control.validation_code(arn)
    client.verify_procurement_portal_validation(ProcurementPortalPreferenceArn=arn, Code=code)
    assert statuses(client, arn) == ("VALIDATED", "VALIDATED")
    sandbox.control.set_connection_test(arn, passed=True)
    assert statuses(client, arn) == ("TEST_INITIALIZED", "TEST_INITIALIZED")
    set_status(client, arn, "ACTIVE")
    assert statuses(client, arn) == ("ACTIVE", "ACTIVE")
    set_status(client, arn, "SUSPENDED")
    assert statuses(client, arn) == ("SUSPENDED", "SUSPENDED")
    set_status(client, arn, "ACTIVE")
    assert statuses(client, arn) == ("ACTIVE", "ACTIVE")
    # create 1, verify 2, test 3, ACTIVE 4, SUSPENDED 5, ACTIVE 6
    assert get(client, arn)["Version"] == 6


def test_a_wrong_verification_code_is_a_validation_error_and_changes_nothing(sandbox, client):
    arn = create(client)
    client.send_procurement_portal_validation(ProcurementPortalPreferenceArn=arn)
    real = sandbox.control.validation_code(arn)
    with pytest.raises(ClientError) as info:
        client.verify_procurement_portal_validation(
            ProcurementPortalPreferenceArn=arn, Code=real + "0"
        )
    code, message = error_of(info.value)
    assert code == "ValidationException"
    assert "Code" in message
    assert statuses(client, arn) == ("PENDING_VERIFICATION", "PENDING_VERIFICATION")


def test_verify_before_any_code_was_sent_is_refused(client):
    arn = create(client)
    with pytest.raises(ClientError) as info:
        client.verify_procurement_portal_validation(ProcurementPortalPreferenceArn=arn, Code="1")
    assert "SendProcurementPortalValidation first" in error_of(info.value)[1]


def test_a_validation_code_works_only_once(sandbox, client):
    arn = create(client)
    validate(sandbox, client, arn)
    code = sandbox.control.validation_code(arn)
    with pytest.raises(ClientError) as info:
        client.verify_procurement_portal_validation(ProcurementPortalPreferenceArn=arn, Code=code)
    assert error_of(info.value)[0] == "ValidationException"


def test_each_send_issues_a_fresh_code_and_only_the_last_one_verifies(sandbox, client):
    arn = create(client)
    client.send_procurement_portal_validation(ProcurementPortalPreferenceArn=arn)
    first = sandbox.control.validation_code(arn)
    codes = {first}
    while len(codes) < 2:  # two 8-digit codes may collide; send until they differ
        client.send_procurement_portal_validation(ProcurementPortalPreferenceArn=arn)
        codes.add(sandbox.control.validation_code(arn))
    with pytest.raises(ClientError):
        client.verify_procurement_portal_validation(ProcurementPortalPreferenceArn=arn, Code=first)
    last = sandbox.control.validation_code(arn)
    client.verify_procurement_portal_validation(ProcurementPortalPreferenceArn=arn, Code=last)
    assert statuses(client, arn) == ("VALIDATED", "VALIDATED")


def test_send_is_refused_when_nothing_awaits_verification(sandbox, client):
    arn = create(client)
    validate(sandbox, client, arn)
    with pytest.raises(ClientError) as info:
        client.send_procurement_portal_validation(ProcurementPortalPreferenceArn=arn)
    code, message = error_of(info.value)
    assert code == "ValidationException"
    assert "PENDING_VERIFICATION" in message


def test_the_validation_code_is_not_readable_before_send(sandbox, client):
    arn = create(client)
    with pytest.raises(ControlError) as info:
        sandbox.control.validation_code(arn)
    assert info.value.status == 404


def test_active_from_validated_is_a_conflict_naming_both_statuses(sandbox, client):
    arn = create(client)
    validate(sandbox, client, arn)
    with pytest.raises(ClientError) as info:
        set_status(client, arn, "ACTIVE")
    code, message = error_of(info.value)
    assert code == "ConflictException"
    assert "VALIDATED" in message and "ACTIVE" in message
    assert statuses(client, arn) == ("VALIDATED", "VALIDATED")


def test_a_refused_status_change_changes_neither_feature(sandbox, client):
    arn = create(client)
    validate(sandbox, client, arn)
    sandbox.control.set_connection_test(arn, passed=True, feature="EinvoiceDelivery")
    with pytest.raises(ClientError):
        set_status(client, arn, "ACTIVE")  # PO retrieval is only VALIDATED
    assert statuses(client, arn) == ("TEST_INITIALIZED", "VALIDATED")


def test_suspended_only_from_active(sandbox, client):
    arn = create(client)
    validate(sandbox, client, arn)
    sandbox.control.set_connection_test(arn, passed=True)
    with pytest.raises(ClientError) as info:
        set_status(client, arn, "SUSPENDED")
    assert error_of(info.value)[0] == "ConflictException"
    assert "TEST_INITIALIZED" in error_of(info.value)[1]


def test_a_status_that_cannot_be_requested_is_a_conflict(sandbox, client):
    arn = create(client)
    with pytest.raises(ClientError) as info:
        set_status(client, arn, "VALIDATED")
    code, message = error_of(info.value)
    assert code == "ConflictException"
    assert "only ACTIVE or SUSPENDED can be requested" in message


def test_status_of_a_disabled_feature_cannot_be_set(sandbox, client):
    arn = create(client, PurchaseOrderRetrievalEnabled=False)
    with pytest.raises(ClientError) as info:
        client.update_procurement_portal_preference_status(
            ProcurementPortalPreferenceArn=arn, PurchaseOrderRetrievalPreferenceStatus="ACTIVE"
        )
    assert "feature disabled" in error_of(info.value)[1]


def test_update_status_needs_at_least_one_status(client):
    arn = create(client)
    with pytest.raises(ClientError) as info:
        client.update_procurement_portal_preference_status(ProcurementPortalPreferenceArn=arn)
    assert error_of(info.value)[0] == "ValidationException"


def test_activating_an_active_preference_is_a_no_op_that_keeps_the_version(sandbox, client):
    arn = create(client)
    validate(sandbox, client, arn)
    sandbox.control.set_connection_test(arn, passed=True)
    set_status(client, arn, "ACTIVE")
    version = get(client, arn)["Version"]
    set_status(client, arn, "ACTIVE")
    assert get(client, arn)["Version"] == version


def test_a_status_reason_given_by_the_caller_is_stored(sandbox, client):
    arn = create(client)
    validate(sandbox, client, arn)
    sandbox.control.set_connection_test(arn, passed=True)
    set_status(client, arn, "ACTIVE")
    client.update_procurement_portal_preference_status(
        ProcurementPortalPreferenceArn=arn,
        EinvoiceDeliveryPreferenceStatus="SUSPENDED",
        EinvoiceDeliveryPreferenceStatusReason="month-end close",
    )
    pref = get(client, arn)
    assert pref[EINVOICE] == "SUSPENDED"
    assert pref["EinvoiceDeliveryPreferenceStatusReason"] == "month-end close"
    assert pref[PO] == "ACTIVE"


def test_a_failed_connection_test_gives_test_failed_and_a_retest_can_pass(sandbox, client):
    arn = create(client)
    validate(sandbox, client, arn)
    sandbox.control.set_connection_test(arn, passed=False)
    pref = get(client, arn)
    assert (pref[EINVOICE], pref[PO]) == ("TEST_FAILED", "TEST_FAILED")
    assert "failed" in pref["EinvoiceDeliveryPreferenceStatusReason"]
    sandbox.control.set_connection_test(arn, passed=True)
    pref = get(client, arn)
    assert statuses(client, arn) == ("TEST_INITIALIZED", "TEST_INITIALIZED")
    assert "EinvoiceDeliveryPreferenceStatusReason" not in pref


def test_a_connection_test_before_verification_is_refused_by_the_control_endpoint(sandbox, client):
    arn = create(client)
    with pytest.raises(ControlError) as info:
        sandbox.control.set_connection_test(arn, passed=True)
    assert info.value.status == 409
    assert "PENDING_VERIFICATION" in info.value.message


def test_changing_the_endpoint_of_an_active_preference_drops_it_to_pending(sandbox, client):
    request = create_request()
    arn = client.create_procurement_portal_preference(**request)["ProcurementPortalPreferenceArn"]
    validate(sandbox, client, arn)
    sandbox.control.set_connection_test(arn, passed=True)
    set_status(client, arn, "ACTIVE")
    client.put_procurement_portal_preference(
        **put_request(
            arn,
            request,
            ProcurementPortalInstanceEndpoint="https://acme.coupahost.com/cxml/v2",
        )
    )
    assert statuses(client, arn) == ("PENDING_VERIFICATION", "PENDING_VERIFICATION")


def test_changing_the_shared_secret_of_a_validated_preference_drops_it_to_pending(sandbox, client):
    request = create_request()
    arn = client.create_procurement_portal_preference(**request)["ProcurementPortalPreferenceArn"]
    validate(sandbox, client, arn)
    client.put_procurement_portal_preference(
        **put_request(arn, request, ProcurementPortalSharedSecret="rotated")
    )
    assert statuses(client, arn) == ("PENDING_VERIFICATION", "PENDING_VERIFICATION")


def test_a_put_that_keeps_endpoint_and_secret_keeps_an_active_status(sandbox, client):
    request = create_request()
    arn = client.create_procurement_portal_preference(**request)["ProcurementPortalPreferenceArn"]
    validate(sandbox, client, arn)
    sandbox.control.set_connection_test(arn, passed=True)
    set_status(client, arn, "ACTIVE")
    client.put_procurement_portal_preference(
        **put_request(arn, request, Contacts=[{"Name": "X", "Email": "x@acme.example"}])
    )
    assert statuses(client, arn) == ("ACTIVE", "ACTIVE")


def test_a_code_sent_before_the_endpoint_changed_no_longer_verifies(sandbox, client):
    request = create_request()
    arn = client.create_procurement_portal_preference(**request)["ProcurementPortalPreferenceArn"]
    client.send_procurement_portal_validation(ProcurementPortalPreferenceArn=arn)
    code = sandbox.control.validation_code(arn)
    client.put_procurement_portal_preference(
        **put_request(arn, request, ProcurementPortalSharedSecret="rotated")
    )
    with pytest.raises(ClientError):
        client.verify_procurement_portal_validation(ProcurementPortalPreferenceArn=arn, Code=code)


def test_enabling_a_feature_through_put_makes_it_pending_and_disabling_clears_it(sandbox, client):
    request = create_request(PurchaseOrderRetrievalEnabled=False)
    arn = client.create_procurement_portal_preference(**request)["ProcurementPortalPreferenceArn"]
    validate(sandbox, client, arn)
    client.put_procurement_portal_preference(
        **put_request(arn, request, PurchaseOrderRetrievalEnabled=True)
    )
    assert statuses(client, arn) == ("VALIDATED", "PENDING_VERIFICATION")
    client.put_procurement_portal_preference(
        **put_request(arn, request, PurchaseOrderRetrievalEnabled=False)
    )
    pref = get(client, arn)
    assert (pref.get(EINVOICE), pref.get(PO)) == ("VALIDATED", None)
    assert "PurchaseOrderRetrievalEndpoint" not in pref


def test_drift_changes_a_preference_out_of_band_and_raises_version(sandbox, client):
    arn = create(client)
    changed = sandbox.control.drift(arn, {"Contacts": [{"Name": "Console", "Email": "c@x.io"}]})
    assert changed["Version"] == 2
    pref = get(client, arn)
    assert pref["Contacts"] == [{"Name": "Console", "Email": "c@x.io"}]
    assert pref["Version"] == 2


def test_drift_merges_nested_fields_and_null_deletes(sandbox, client):
    arn = create(client)
    sandbox.control.drift(
        arn,
        {
            "EinvoiceDeliveryPreference": {"ConnectionTestingMethod": "PROD_ENV_DOLLAR_TEST"},
            "MarketplacePunchOutPreference": None,
        },
    )
    pref = get(client, arn)
    assert pref["EinvoiceDeliveryPreference"]["ConnectionTestingMethod"] == "PROD_ENV_DOLLAR_TEST"
    assert pref["EinvoiceDeliveryPreference"]["Protocol"] == "CXML"
    assert "MarketplacePunchOutPreference" not in pref


def test_drift_refuses_fields_the_model_does_not_have(sandbox, client):
    arn = create(client)
    with pytest.raises(ControlError) as info:
        sandbox.control.drift(arn, {"Contactz": []})
    assert info.value.status == 400
    assert "Contactz" in info.value.message


def test_drift_refuses_the_identity_fields(sandbox, client):
    arn = create(client)
    with pytest.raises(ControlError) as info:
        sandbox.control.drift(arn, {"Version": 99})
    assert "Version" in info.value.message


def test_the_status_table_allows_active_only_from_a_passed_test_or_suspended():
    sources = set(lifecycle.TABLE[lifecycle.Event.ACTIVATE].moves)
    assert sources == {"TEST_INITIALIZED", "SUSPENDED", "ACTIVE"}
    assert lifecycle.TABLE[lifecycle.Event.ACTIVATE].strict


def test_the_status_table_drops_every_verified_status_on_a_connection_change():
    moves = lifecycle.TABLE[lifecycle.Event.CONNECTION_CHANGED].moves
    assert set(moves) == set(lifecycle.ALL_STATUSES) - {"PENDING_VERIFICATION"}
    assert set(moves.values()) == {"PENDING_VERIFICATION"}


def test_the_status_table_describes_itself_for_humans():
    text = lifecycle.describe()
    assert all(event.value in text for event in lifecycle.Event)
    assert "TEST_INITIALIZED -> ACTIVE" in text
