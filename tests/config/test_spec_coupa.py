"""spec.coupa: the schema, the rules (file:line:col) and the typed model."""

from __future__ import annotations

from pathlib import Path

from controller.config import load_text
from controller.config.model import Coupa, SecretRef

from .docs import problems_in

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "integrations" / "acme-emea.yaml"
TEXT = EXAMPLE.read_text(encoding="utf-8")
FILE = "acme-emea.yaml"


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_example_coupa_block_becomes_a_typed_model() -> None:
    item = load_text(FILE, TEXT)
    coupa = item.coupa  # type: ignore[union-attr]
    assert isinstance(coupa, Coupa)
    assert coupa.production.client_secret == SecretRef("env", "ACME_COUPA_CLIENT_SECRET")
    assert coupa.test is not None and coupa.test.client_id == "acme-gitops-test"
    assert coupa.supplier.name == "AWS Marketplace"
    assert coupa.supplier.invoice_matching_level == "none"
    assert dict(coupa.commodities)["81162000"] == "Software as a Service"


def test_without_a_coupa_block_the_model_has_none() -> None:
    start = TEXT.index("  coupa:")
    end = TEXT.index("  tags:")
    item = load_text(FILE, TEXT[:start] + TEXT[end:])
    assert item.coupa is None  # type: ignore[union-attr]


def test_a_literal_client_secret_is_refused_at_its_line_and_column() -> None:
    text = TEXT.replace("clientSecret: {env: ACME_COUPA_CLIENT_SECRET}", "clientSecret: hunter2")
    found = problems_in(text, FILE)
    assert [(p.line, p.path) for p in found] == [
        (_line_of(text, "hunter2"), "spec.coupa.production.clientSecret")
    ]
    assert "literal secrets are forbidden" in found[0].message
    assert "hunter2" not in found[0].message


def test_the_test_client_is_required_with_spec_test() -> None:
    lines = [
        line for line in TEXT.splitlines(keepends=True) if "clientId: acme-gitops-test" not in line
    ]
    found = problems_in("".join(lines), FILE)
    assert [p.path for p in found] == ["spec.coupa.test"]
    assert found[0].message.startswith("is required when spec.test is set")
    assert found[0].line == _line_of(TEXT, "  coupa:")


def test_only_the_three_unspsc_codes_are_accepted() -> None:
    text = TEXT.replace('"43230000": Software', '"43230001": Software')
    found = problems_in(text, FILE)
    paths = {p.path for p in found}
    assert "spec.coupa.commodities.43230001" in paths or any("43230001" in p.message for p in found)
    assert any("43230000" in p.message or p.path.endswith("43230000") for p in found)


def test_the_matching_level_is_an_enum_with_did_you_mean() -> None:
    text = TEXT.replace("invoiceMatchingLevel: none", "invoiceMatchingLevel: 3way")
    found = problems_in(text, FILE)
    assert [p.path for p in found] == ["spec.coupa.supplier.invoiceMatchingLevel"]
    assert found[0].line == _line_of(text, "3way")


def test_an_unknown_key_in_the_supplier_block_is_refused() -> None:
    text = TEXT.replace("invoiceMatchingLevel: none}", "invoiceMatchingLevel: none, nmae: x}")
    found = problems_in(text, FILE)
    assert [p.path for p in found] == ["spec.coupa.supplier.nmae"]
    assert "name" in found[0].message
