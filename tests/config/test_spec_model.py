"""A valid file becomes a typed, immutable Integration with the documented defaults."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from controller.config import load_text
from controller.config.model import (
    DEFAULT_REGION,
    Contact,
    Einvoice,
    Endpoint,
    Integration,
    Mode,
    Party,
    Punchout,
    SecretRef,
    Source,
)

from .docs import BASE, FILE, TEST_BLOCK, edit, lines


def test_the_base_document_maps_to_the_expected_integration():
    assert load_text(FILE, BASE) == Integration(
        name="acme",
        description="Acme payer account",
        account="111122223333",
        role_arn="arn:aws:iam::111122223333:role/coupa-gitops",
        region="us-east-1",
        mode=Mode.TEST,
        contact=Contact("Procurement Ops", "ops@acme.example"),
        production=Endpoint(
            "https://acme.coupahost.com",
            Party("NetworkID", "ACME"),
            Party("NetworkID", "AWS-MARKETPLACE"),
            SecretRef("env", "ACME_SECRET"),
        ),
        test=Endpoint(
            "https://acme-test.coupahost.com",
            Party("NetworkID", "ACME-TEST"),
            Party("NetworkID", "AWS-MARKETPLACE-TEST"),
            SecretRef("env", "ACME_TEST_SECRET"),
        ),
        punchout=Punchout(True, "https://acme.coupahost.com/requisition_headers"),
        einvoice=Einvoice(
            enabled=True,
            document_types=("AWS_MARKETPLACE_INVOICE", "AWS_MARKETPLACE_CREDIT_MEMO"),
            purchase_order_required=(("AWS_MARKETPLACE_INVOICE", True),),
            connection_test="TEST_ENV_REPLAY_TEST",
            activation_date=date(2027, 1, 1),
        ),
        purchase_order_retrieval=True,
        tags=(("cost-center", "4711"),),
        source=Source(FILE, 4),
    )


def test_the_model_is_immutable():
    integration = load_text(FILE, BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        integration.mode = Mode.LIVE  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        integration.production.buyer.identity = "X"  # type: ignore[misc]


def test_mode_defaults_to_test_when_omitted():
    assert load_text(FILE, edit(("  mode: test\n", ""))).mode is Mode.TEST


@pytest.mark.parametrize("mode", list(Mode))
def test_each_mode_maps_to_its_enum_member(mode):
    assert load_text(FILE, edit(("mode: test", f"mode: {mode.value}"))).mode is mode


def test_region_defaults_to_us_east_1_when_omitted():
    assert DEFAULT_REGION == "us-east-1"
    assert load_text(FILE, BASE).region == "us-east-1"


def test_an_explicit_region_is_kept():
    text = edit(("  mode: test\n", "  mode: test\n  region: eu-west-1\n"))
    assert load_text(FILE, text).region == "eu-west-1"


def test_the_test_instance_is_none_when_omitted():
    text = edit((TEST_BLOCK, ""), ("TEST_ENV_REPLAY_TEST", "PROD_ENV_DOLLAR_TEST"))
    assert load_text(FILE, text).test is None


def test_optional_metadata_and_spec_keys_default_to_empty():
    text = edit(
        ("  description: Acme payer account\n", ""),
        ("  roleArn: arn:aws:iam::111122223333:role/coupa-gitops\n", ""),
        ('  tags:\n    cost-center: "4711"\n', ""),
    )
    integration = load_text(FILE, text)
    assert (integration.description, integration.role_arn, integration.tags) == ("", None, ())
    assert (integration.approvers, integration.selector) == ((), None)


def test_a_disabled_einvoice_needs_nothing_else():
    text = edit((lines(27, 31), "    enabled: false\n"))
    assert load_text(FILE, text).einvoice == Einvoice(enabled=False)


def test_a_disabled_punchout_needs_no_redirect_url():
    text = edit((lines(24, 25), "    enabled: false\n"))
    assert load_text(FILE, text).punchout == Punchout(False, None)


@pytest.mark.parametrize(
    ("written", "ref"),
    [
        ("{env: ACME_SECRET}", SecretRef("env", "ACME_SECRET")),
        ("{ssm: /coupa/acme/secret}", SecretRef("ssm", "/coupa/acme/secret")),
        ("{secretsManager: coupa/acme}", SecretRef("secretsManager", "coupa/acme")),
    ],
    ids=["env", "ssm", "secretsManager"],
)
def test_each_kind_of_secret_reference_maps_to_a_secret_ref(written, ref):
    text = edit(("sharedSecret: {env: ACME_SECRET}", f"sharedSecret: {written}"))
    assert load_text(FILE, text).production.shared_secret == ref


def test_purchase_order_requirements_and_tags_are_sorted_pairs():
    text = edit(
        (
            "{AWS_MARKETPLACE_INVOICE: true}",
            "{AWS_MARKETPLACE_INVOICE: true, AWS_MARKETPLACE_CREDIT_MEMO: false}",
        ),
        ('cost-center: "4711"', 'team: buyers\n    cost-center: "4711"'),
    )
    integration = load_text(FILE, text)
    assert integration.einvoice.purchase_order_required == (
        ("AWS_MARKETPLACE_CREDIT_MEMO", False),
        ("AWS_MARKETPLACE_INVOICE", True),
    )
    assert integration.tags == (("cost-center", "4711"), ("team", "buyers"))


def test_selector_and_approvers_are_tuples():
    text = edit(
        ("  description: Acme payer account\n", '  approvers: ["@acme/admins", "@jdoe"]\n'),
        (
            "  tags:\n",
            "  selector:\n    sellerOfRecords: [AWS_INC]\n"
            "    invoiceUnitArns: [arn:aws:invoicing::111122223333:invoice-unit/abc]\n  tags:\n",
        ),
    )
    integration = load_text(FILE, text)
    assert integration.approvers == ("@acme/admins", "@jdoe")
    assert integration.selector is not None
    assert integration.selector.seller_of_records == ("AWS_INC",)
    assert integration.selector.invoice_unit_arns == (
        "arn:aws:invoicing::111122223333:invoice-unit/abc",
    )


def test_the_source_points_at_the_metadata_name_line():
    text = "# a comment\n\n" + BASE
    assert load_text("dir/acme.yaml", text).source == Source("dir/acme.yaml", 6)
