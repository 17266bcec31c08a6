"""schemas/coupa-integration.v1.json: a valid 2020-12 schema, closed, documented, AWS's enums."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import botocore.session
import pytest
from jsonschema import Draft202012Validator

from controller.config import schema as spec_schema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "coupa-integration.v1.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def subschemas(node: object, where: str = "#") -> Iterator[tuple[str, dict]]:
    """Every schema object in the document, with a JSON-pointer-ish location."""
    if not isinstance(node, dict):
        return
    yield where, node
    for key in ("properties", "$defs"):
        for name, child in node.get(key, {}).items():
            yield from subschemas(child, f"{where}/{key}/{name}")
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(node.get(key), dict):
            yield from subschemas(node[key], f"{where}/{key}")


def properties() -> Iterator[tuple[str, dict]]:
    for where, node in subschemas(SCHEMA):
        for name, child in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", child


def test_the_walk_sees_the_whole_schema():
    places = dict(subschemas(SCHEMA))
    assert "#/properties/spec/properties/einvoice/properties/documentTypes/items" in places
    assert "#/$defs/party/properties/identity" in places
    assert len(dict(properties())) >= 40


def test_the_schema_declares_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_passes_the_2020_12_meta_schema():
    Draft202012Validator.check_schema(SCHEMA)


def test_the_loader_uses_this_very_file():
    assert spec_schema.SCHEMA_FILE == SCHEMA_PATH
    assert spec_schema.schema() == SCHEMA


def test_every_object_schema_with_properties_refuses_unknown_keys():
    open_objects = [
        where
        for where, node in subschemas(SCHEMA)
        if "properties" in node and node.get("additionalProperties") is not False
    ]
    assert open_objects == []


@pytest.mark.parametrize("where", [w for w, _ in properties()])
def test_every_property_has_a_title_and_a_description(where):
    node = dict(properties())[where]
    assert isinstance(node.get("title"), str) and node["title"].strip()
    assert isinstance(node.get("description"), str) and node["description"].strip()


def test_every_definition_has_a_title_and_a_description():
    for name, node in SCHEMA["$defs"].items():
        assert node.get("title") and node.get("description"), name


def test_every_reference_resolves_to_a_definition():
    refs = [node["$ref"] for _, node in subschemas(SCHEMA) if "$ref" in node]
    assert refs
    for ref in refs:
        assert ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in SCHEMA["$defs"]


def test_every_pattern_anchors_its_end_only_with_a_final_dollar():
    # controller.config.schema turns a final `$` into `\Z` (ECMA semantics): no other `$` may exist.
    for where, node in subschemas(SCHEMA):
        pattern = node.get("pattern")
        if pattern is not None:
            assert "$" not in pattern[:-1], where


def _enum(shape: str) -> list[str]:
    model = botocore.session.get_session().get_service_model("invoicing")
    return list(model.shape_for(shape).enum)


def _defs_or_spec(*path: str) -> dict:
    node: dict = SCHEMA
    for key in path:
        node = node[key]
    return node


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        (("$defs", "documentType"), "EinvoiceDeliveryDocumentType"),
        (
            ("properties", "spec", "properties", "einvoice", "properties", "attachmentTypes"),
            "EinvoiceDeliveryAttachmentType",
        ),
        (
            ("properties", "spec", "properties", "einvoice", "properties", "connectionTest"),
            "ConnectionTestingMethod",
        ),
        (("$defs", "party", "properties", "domain"), "BuyerDomain"),
        (("$defs", "party", "properties", "domain"), "SupplierDomain"),
    ],
    ids=["document-type", "attachment-type", "connection-test", "buyer-domain", "supplier-domain"],
)
def test_enums_are_the_botocore_models_constants(path, shape):
    node = _defs_or_spec(*path)
    node = node.get("items", node)
    assert sorted(node["enum"]) == sorted(_enum(shape))
