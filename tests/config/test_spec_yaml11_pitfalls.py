"""YAML 1.1 surprises are handled safely: numbers that must be text, yes/on, dates, octals."""

from __future__ import annotations

from datetime import date

import pytest

from controller.config import Problem, load_text

from .docs import FILE, edit, problems_in

QUOTE_IT = 'must be text; put it in quotes so YAML keeps it as written: "{}"'


@pytest.mark.parametrize(
    "written",
    ["011122223333", "111122223333", "0111_2222_3333", "0o17", "0x1F", "1e12"],
    ids=["leading-zero", "twelve-digits", "underscores", "octal", "hex", "float"],
)
def test_an_unquoted_account_id_must_be_quoted_and_the_message_shows_it_as_written(written):
    text = edit(('account: "111122223333"', f"account: {written}"))
    if "_" in written:  # YAML 1.2 reads 0111_2222_3333 as text: the pattern rule applies
        expected = 'must be a 12-digit AWS account id in quotes, e.g. "111122223333"'
    else:
        expected = QUOTE_IT.format(written)
    assert problems_in(text) == [Problem(FILE, 7, 12, "spec.account", expected)]


def test_a_quoted_account_id_with_a_leading_zero_keeps_the_zero():
    text = edit(
        ('account: "111122223333"', 'account: "011122223333"'),
        ("iam::111122223333:", "iam::011122223333:"),
    )
    assert load_text(FILE, text).account == "011122223333"


def test_an_unquoted_number_where_a_tag_value_is_expected_must_be_quoted():
    text = edit(('cost-center: "4711"', "cost-center: 4711"))
    assert problems_in(text) == [
        Problem(FILE, 35, 18, "spec.tags.cost-center", QUOTE_IT.format("4711"))
    ]


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "ON"])
def test_a_yaml11_boolean_word_where_a_boolean_is_expected_must_be_true_or_false(word):
    text = edit(("  punchout:\n    enabled: true", f"  punchout:\n    enabled: {word}"))
    assert problems_in(text) == [
        Problem(
            FILE,
            24,
            14,
            "spec.punchout.enabled",
            f"must be true or false, not `{word}` (yes/no/on/off are text here)",
        )
    ]


def test_a_yaml11_boolean_word_in_a_purchase_order_map_must_be_true_or_false():
    text = edit(("{AWS_MARKETPLACE_INVOICE: true}", "{AWS_MARKETPLACE_INVOICE: yes}"))
    assert problems_in(text) == [
        Problem(
            FILE,
            29,
            54,
            "spec.einvoice.purchaseOrderRequired.AWS_MARKETPLACE_INVOICE",
            "must be true or false, not `yes` (yes/no/on/off are text here)",
        )
    ]


@pytest.mark.parametrize("word", ["True", "TRUE", "true"])
def test_the_yaml12_spellings_of_true_are_booleans(word):
    retrieval = "  purchaseOrderRetrieval:\n    enabled: "
    text = edit((retrieval + "true", retrieval + word))
    assert load_text(FILE, text).purchase_order_retrieval is True


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "y", "n", "NO"])
def test_yaml11_boolean_words_stay_text_in_a_tag_value(word):
    text = edit(('cost-center: "4711"', f"cost-center: {word}"))
    assert load_text(FILE, text).tags == (("cost-center", word),)


@pytest.mark.parametrize("word", ["on", "yes", "no", "off"])
def test_yaml11_boolean_words_stay_text_in_a_name_and_a_description(word):
    text = edit(
        ("  name: acme\n", f"  name: {word}\n"),
        ("description: Acme payer account", f"description: {word}"),
    )
    integration = load_text(FILE, text)
    assert (integration.name, integration.description) == (word, word)


def test_yaml11_boolean_words_stay_text_in_an_identity():
    text = edit(("identity: ACME}", "identity: yes}"), ("identity: ACME-TEST}", "identity: off}"))
    integration = load_text(FILE, text)
    assert integration.production.buyer.identity == "yes"
    assert integration.test is not None and integration.test.buyer.identity == "off"


def test_an_unquoted_activation_date_is_accepted_as_a_date():
    assert load_text(FILE, edit()).einvoice.activation_date == date(2027, 1, 1)


def test_a_quoted_activation_date_is_accepted_as_a_date():
    text = edit(("activationDate: 2027-01-01", 'activationDate: "2027-01-01"'))
    assert load_text(FILE, text).einvoice.activation_date == date(2027, 1, 1)


@pytest.mark.parametrize(
    "written",
    ["2027-13-01", "2027-02-30", "2027-1-1", '"01/02/2027"', '"2027-01-01T00:00:00Z"'],
    ids=["month-13", "feb-30", "no-padding", "us-style", "timestamp"],
)
def test_an_activation_date_that_is_not_a_calendar_date_is_reported(written):
    text = edit(("activationDate: 2027-01-01", f"activationDate: {written}"))
    assert problems_in(text) == [
        Problem(
            FILE,
            31,
            21,
            "spec.einvoice.activationDate",
            "must be a date written YYYY-MM-DD, e.g. 2027-01-01",
        )
    ]


def test_an_activation_date_written_as_a_bare_number_must_be_quoted():
    text = edit(("activationDate: 2027-01-01", "activationDate: 20270101"))
    assert problems_in(text) == [
        Problem(FILE, 31, 21, "spec.einvoice.activationDate", QUOTE_IT.format("20270101"))
    ]


def test_a_null_where_text_is_expected_is_reported_as_empty():
    text = edit(('cost-center: "4711"', "cost-center: ~"))
    assert problems_in(text) == [
        Problem(FILE, 35, 18, "spec.tags.cost-center", "must be text, not empty")
    ]


@pytest.mark.parametrize("written", [".inf", "-.Inf", ".NaN", "1e999"])
def test_yaml_infinity_and_not_a_number_where_text_is_expected_must_be_quoted(written):
    text = edit(('cost-center: "4711"', f"cost-center: {written}"))
    assert problems_in(text) == [
        Problem(FILE, 35, 18, "spec.tags.cost-center", QUOTE_IT.format(written))
    ]
