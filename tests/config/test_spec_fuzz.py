"""Whatever text arrives, the loader either returns an Integration or raises ConfigError.

It never raises anything else, and every problem it reports points inside the file on one line.
"""

from __future__ import annotations

import copy
import re
from datetime import date

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.config import ConfigError, load_text
from controller.config.model import Integration
from controller.config.yamldoc import decode, parse

from .docs import BASE, FILE

FUZZ = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

# Characters that matter to YAML, plus a few that must be refused.
YAML_CHARS = [
    *":-?[]{},&*!|>'\"%@`#\n \t.~=<\\0123456789aeyonstuAZ_/",
    *["\r", "\x00", "\x85", "\ufeff", "é", "\u2028", ".inf", ".nan", "0x1F", "0o17"],
]
YAML_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def check(text: str) -> None:
    """The property: an Integration, or a ConfigError whose problems are all well-formed."""
    try:
        result = load_text(FILE, text)
    except ConfigError as exc:
        assert exc.problems
        # YAML counts \r, U+0085, U+2028 and U+2029 as line breaks too; errors "at the end of
        # the stream" sit one line past the text.
        last_line = len(YAML_BREAKS.split(text)) + 1
        for problem in exc.problems:
            assert problem.file == FILE
            assert 1 <= problem.line <= last_line, problem
            assert problem.col >= 1, problem
            assert problem.message.strip(), problem
            assert "\n" not in str(problem), problem
        return
    assert isinstance(result, Integration)


@FUZZ
@given(st.text(max_size=300))
def test_random_text_gives_an_integration_or_a_config_error(text):
    check(text)


@FUZZ
@given(st.lists(st.sampled_from(YAML_CHARS), max_size=120).map("".join))
def test_random_yaml_punctuation_gives_an_integration_or_a_config_error(text):
    check(text)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_give_a_config_error_or_text(raw):
    try:
        text = decode(FILE, raw)
    except ConfigError as exc:
        assert len(exc.problems) == 1 and exc.problems[0].col >= 1
        return
    check(text)


# --- mutations of the valid document ----------------------------------------------------------

LINES = BASE.splitlines(keepends=True)


@st.composite
def mutated_base(draw) -> str:
    text = BASE
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(["delete", "insert", "swap", "drop-line", "dup-line", "swap-lines"])
        )
        if op in ("drop-line", "dup-line", "swap-lines"):
            lines = text.splitlines(keepends=True) or [""]
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if op == "drop-line":
                del lines[i]
            elif op == "dup-line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
            continue
        if not text:
            text = draw(st.sampled_from(YAML_CHARS))
            continue
        i = draw(st.integers(0, len(text) - 1))
        if op == "delete":
            text = text[:i] + text[i + 1 :]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(YAML_CHARS)) + text[i:]
        else:
            j = draw(st.integers(0, len(text) - 1))
            chars = list(text)
            chars[i], chars[j] = chars[j], chars[i]
            text = "".join(chars)
    return text


@FUZZ
@given(mutated_base())
def test_a_garbled_copy_of_a_valid_document_gives_an_integration_or_a_config_error(text):
    check(text)


# --- generated YAML structures ------------------------------------------------------------------

KEYS = st.sampled_from(
    ["apiVersion", "kind", "metadata", "spec", "name", "account", "mode", "enabled", "tags"]
) | st.text(max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["coupa-gitops/v1", "CoupaIntegration", "yes", "on", "0777", "2027-01-01"])
    | st.dates(min_value=date(1, 1, 1))
)
TREES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(TREES)
def test_a_generated_yaml_structure_gives_an_integration_or_a_config_error(tree):
    check(yaml.safe_dump(tree, allow_unicode=True))


@FUZZ
@given(TREES, st.booleans())
def test_a_generated_structure_in_flow_style_gives_an_integration_or_a_config_error(tree, flow):
    check(yaml.safe_dump(tree, default_flow_style=flow, allow_unicode=False, width=40))


# --- well-typed YAML, wrong documents: the whole pipeline -------------------------------------

BASE_DATA = parse(FILE, BASE).data


def paths(node: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += paths(value, (*prefix, i))
    return found


ALL_PATHS = [p for p in paths(BASE_DATA) if p]


@st.composite
def wrong_documents(draw) -> object:
    data = copy.deepcopy(BASE_DATA)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "delete", "add-key"]))
            if action == "replace":
                parent[path[-1]] = draw(TREES)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(KEYS)] = draw(TREES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or retyped this path
    return data


@FUZZ
@given(wrong_documents())
def test_a_well_formed_but_wrong_document_gives_an_integration_or_a_config_error(data):
    check(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_the_unchanged_base_data_round_trips_to_a_valid_integration():
    dumped = yaml.safe_dump(BASE_DATA, sort_keys=False)
    assert load_text(FILE, dumped).name == "acme"
