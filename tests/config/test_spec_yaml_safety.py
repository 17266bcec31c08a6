"""The YAML reader refuses what PyYAML would silently accept, and says where."""

from __future__ import annotations

import threading
import tracemalloc

import pytest

from controller.config import ConfigError, Problem, load_text
from controller.config.yamldoc import MAX_DEPTH, decode, parse

from .docs import BASE, FILE, edit, problems_in

ANCHORS = "YAML anchors (&name) and aliases (*name) are not supported; write the value out in full"
EMPTY = "file is empty; it must hold one CoupaIntegration"
TOP_LEVEL = "the top level must be a mapping (apiVersion, kind, metadata, spec), not "
TWO_DOCS = "more than one YAML document (---); put each integration in its own file"


def test_the_base_document_is_valid():
    assert load_text(FILE, BASE).name == "acme"


# --- duplicate keys --------------------------------------------------------------------------


def test_a_duplicate_key_is_reported_at_the_second_occurrence_with_the_first_line():
    text = edit(("  mode: test\n", "  mode: test\n  mode: live\n"))
    assert problems_in(text) == [
        Problem(
            FILE,
            10,
            3,
            "spec.mode",
            "duplicate key `mode` (first defined at line 9); keep only one",
        )
    ]


def test_a_duplicate_top_level_key_is_reported():
    text = edit(("kind: CoupaIntegration\n", "kind: CoupaIntegration\nkind: CoupaIntegration\n"))
    assert problems_in(text) == [
        Problem(FILE, 3, 1, "kind", "duplicate key `kind` (first defined at line 2); keep only one")
    ]


def test_a_duplicate_key_in_a_flow_mapping_is_reported_at_its_column():
    text = edit(
        ("{domain: NetworkID, identity: ACME}", "{domain: NetworkID, identity: A, identity: B}")
    )
    assert problems_in(text) == [
        Problem(
            FILE,
            15,
            45,
            "spec.production.buyer.identity",
            "duplicate key `identity` (first defined at line 15); keep only one",
        )
    ]


def test_a_quoted_and_a_plain_spelling_of_the_same_key_are_duplicates():
    text = edit(("  mode: test\n", '  mode: test\n  "mode": live\n'))
    assert problems_in(text) == [
        Problem(
            FILE,
            10,
            3,
            "spec.mode",
            "duplicate key `mode` (first defined at line 9); keep only one",
        )
    ]


# --- anchors, aliases, billion laughs ---------------------------------------------------------


def test_an_anchor_is_refused_at_the_node_that_carries_it():
    assert problems_in(edit(("  mode: test\n", "  mode: &m test\n"))) == [
        Problem(FILE, 9, 9, "spec.mode", ANCHORS)
    ]


def test_an_alias_is_refused_even_when_its_anchor_is_undefined():
    assert problems_in(edit(("  mode: test\n", "  mode: *m\n"))) == [
        Problem(FILE, 9, 9, "spec.mode", ANCHORS)
    ]


def test_an_anchor_inside_a_list_names_the_list_item():
    text = edit(("[AWS_MARKETPLACE_INVOICE, AWS", "[AWS_MARKETPLACE_INVOICE, &t AWS"))
    assert problems_in(text) == [Problem(FILE, 28, 46, "spec.einvoice.documentTypes[1]", ANCHORS)]


def test_a_merge_key_is_refused_because_it_needs_an_alias():
    text = edit(
        ("  test:\n    instanceUrl", "  test:\n    <<: *prod\n    instanceUrl"),
    )
    assert problems_in(text) == [Problem(FILE, 19, 9, "spec.test.<<", ANCHORS)]


def test_an_anchor_on_the_whole_document_is_refused():
    assert problems_in("&doc\n" + BASE) == [Problem(FILE, 1, 1, "", ANCHORS)]


LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def test_the_billion_laughs_document_is_built_as_intended():
    assert LAUGHS.splitlines()[0] == "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"
    assert LAUGHS.splitlines()[8] == "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]"


def test_a_billion_laughs_document_fails_fast_without_expanding_anything():
    outcome: dict[str, object] = {}

    def attempt() -> None:
        tracemalloc.start()
        try:
            parse(FILE, LAUGHS)
        except ConfigError as exc:
            outcome["error"] = exc
        outcome["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=1.0)
    assert not worker.is_alive(), "parsing a billion laughs took more than a second"
    error = outcome.get("error")
    assert isinstance(error, ConfigError)
    assert error.problems == (Problem(FILE, 1, 4, "a", ANCHORS),)
    assert outcome["peak"] < 1_000_000  # bytes: 9**9 "lol"s would need gigabytes


# --- what a file must be: one mapping --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "   \n", "# only a comment\n# and another\n", "---\n", "--- # comment\n"],
    ids=["empty", "blank-lines", "spaces", "comment-only", "bare-document-start", "start+comment"],
)
def test_a_file_without_content_is_reported_as_empty(text):
    assert problems_in(text) == [Problem(FILE, 1, 1, "", EMPTY)]


@pytest.mark.parametrize(
    ("text", "line", "kind"),
    [
        ("- apiVersion\n- kind\n", 1, "a list"),
        ("CoupaIntegration\n", 1, "text"),
        ("42\n", 1, "a number"),
        ("1.5\n", 1, "a number"),
        ("true\n", 1, "true/false"),
        ("# header\n\n[a, b]\n", 3, "a list"),
    ],
    ids=["list", "text", "int", "float", "bool", "list-after-comment"],
)
def test_a_top_level_that_is_not_a_mapping_is_reported_where_it_starts(text, line, kind):
    assert problems_in(text) == [Problem(FILE, line, 1, "", TOP_LEVEL + kind)]


def test_a_second_document_is_reported_where_it_starts():
    assert problems_in(BASE + "---\n" + BASE) == [Problem(FILE, 36, 1, "", TWO_DOCS)]


def test_an_empty_second_document_is_still_a_second_document():
    assert problems_in(BASE + "---\n") == [Problem(FILE, 36, 1, "", TWO_DOCS)]


def test_an_explicit_document_start_and_end_around_one_document_is_fine():
    assert load_text(FILE, "---\n" + BASE + "...\n").name == "acme"


# --- tags -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!python/object:os.system {}", "tag:yaml.org,2002:python/object:os.system"),
        (
            "!!python/object/apply:os.system [echo pwned]",
            "tag:yaml.org,2002:python/object/apply:os.system",
        ),
        ("!!python/name:os.system ''", "tag:yaml.org,2002:python/name:os.system"),
        ("!!binary dGVzdA==", "tag:yaml.org,2002:binary"),
        ("!!timestamp 2027-01-01", "tag:yaml.org,2002:timestamp"),
        ("!!set {test}", "tag:yaml.org,2002:set"),
        ("!!omap [a: 1]", "tag:yaml.org,2002:omap"),
        ("!custom test", "!custom"),
    ],
    ids=[
        "python-object",
        "python-apply",
        "python-name",
        "binary",
        "timestamp",
        "set",
        "omap",
        "local",
    ],
)
def test_an_unsupported_tag_is_refused_at_its_value(value, tag):
    assert problems_in(edit(("  mode: test\n", f"  mode: {value}\n"))) == [
        Problem(FILE, 9, 9, "spec.mode", f"YAML tag {tag} is not supported; remove it")
    ]


def test_an_explicit_str_tag_keeps_an_unquoted_account_id_as_written():
    text = edit(('account: "111122223333"', "account: !!str 111122223333"))
    assert load_text(FILE, text).account == "111122223333"


def test_an_explicit_core_tag_that_does_not_fit_its_value_is_reported():
    text = edit(("  mode: test\n", "  mode: !!int test\n"))
    assert problems_in(text) == [
        Problem(FILE, 9, 9, "spec.mode", "the value is not a valid tag:yaml.org,2002:int")
    ]


# --- bytes and characters ---------------------------------------------------------------------


def test_a_control_character_is_reported_at_its_position_on_one_line():
    text = edit(("  description: Acme payer", "  description: Café\x00 payer"))
    assert problems_in(text) == [
        Problem(FILE, 5, 20, "", "character U+0000 is not allowed in YAML; remove it")
    ]


def test_a_lone_surrogate_in_the_text_is_a_config_error():
    text = edit(("  description: Acme", "  description: \ud800"))
    assert problems_in(text) == [
        Problem(FILE, 5, 16, "", "character U+D800 is not allowed in YAML; remove it")
    ]


def test_an_integer_longer_than_pythons_conversion_limit_is_text_not_a_crash():
    text = edit(('account: "111122223333"', "account: " + "1" * 5000))
    (problem,) = problems_in(text)
    assert (problem.line, problem.col, problem.path) == (7, 12, "spec.account")
    assert problem.message == 'must be a 12-digit AWS account id in quotes, e.g. "111122223333"'


def test_nesting_deeper_than_the_limit_is_refused():
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    (problem,) = problems_in(text)
    assert (problem.line, problem.col) == (1, 3 + MAX_DEPTH)
    assert problem.path == "a" + "[0]" * (MAX_DEPTH - 1)
    assert problem.message == f"nesting deeper than {MAX_DEPTH}"


def test_nesting_up_to_the_limit_is_accepted_by_the_reader():
    depth = MAX_DEPTH - 2
    doc = parse(FILE, "a: " + "[" * depth + "]" * depth + "\n")
    value = doc.data["a"]
    for _ in range(depth - 1):
        (value,) = value
    assert value == []


def test_a_utf8_byte_order_mark_is_accepted():
    assert load_text(FILE, decode(FILE, b"\xef\xbb\xbf" + BASE.encode())).name == "acme"


def test_a_complex_mapping_key_is_refused():
    assert problems_in("? [a, b]\n: 1\n") == [
        Problem(FILE, 1, 3, "", "mapping keys must be plain text")
    ]


# --- broken YAML ------------------------------------------------------------------------------


def test_a_tab_used_for_indentation_is_reported_where_it_is():
    text = edit(("    enabled: true\n    approval", "\tenabled: true\n    approval"))
    assert problems_in(text) == [
        Problem(
            FILE,
            24,
            1,
            "",
            "invalid YAML: a tab character (column 1) where YAML expects indentation; "
            "YAML indents with spaces only: replace the tab with spaces",
        )
    ]


def test_an_unterminated_quote_is_reported_at_the_end_of_the_file():
    assert problems_in('a: "open\n') == [
        Problem(
            FILE,
            2,
            1,
            "",
            "invalid YAML: while scanning a quoted scalar found unexpected end of stream",
        )
    ]


def test_a_key_holding_a_newline_is_reported_on_one_line():
    text = edit(("  mode: test\n", '  mode: test\n  "mo\\nde": live\n'))
    (problem,) = problems_in(text)
    assert problem == Problem(
        FILE, 10, 3, "spec.mo\nde", "unknown key `mo\nde`; did you mean `mode`?"
    )
    assert (
        str(problem) == "acme.yaml:10:3: spec.mo\\nde: unknown key `mo\\nde`; did you mean `mode`?"
    )


def test_a_tab_in_the_indentation_says_tab():
    (problem,) = problems_in(edit(("  mode: test\n", "\tmode: test\n")))
    assert (problem.line, problem.col) == (9, 1)
    assert "a tab character (column 1)" in problem.message
    assert "indents with spaces only" in problem.message


def test_a_tab_after_spaces_in_the_indentation_says_tab_at_its_column():
    (problem,) = problems_in(edit(("    name: Procurement Ops\n", "    name: x\n  \t  y: z\n")))
    assert "a tab character (column 3)" in problem.message
