"""Secrets are references only; a pasted secret is refused and never repeated in a message."""

from __future__ import annotations

import pytest

from controller.config import ConfigError, Problem, load, load_text

from .docs import FILE, edit, problems_in

LITERAL = (
    "literal secrets are forbidden in config files; remove it from git history if it is real, "
    "and reference it instead: {env: NAME}, {ssm: /parameter/name} or {secretsManager: "
    "secret-name}"
)
CANARY = "hunter2-Zq9xCANARY"
PROD_SECRET = "sharedSecret: {env: ACME_SECRET}"
TEST_SECRET = "sharedSecret: {env: ACME_TEST_SECRET}"


@pytest.mark.parametrize(
    "written",
    ['"hunter2"', "hunter2", "'hunter2'", "123456"],
    ids=["double-quoted", "plain", "single-quoted", "number"],
)
def test_a_literal_production_secret_is_refused(written):
    text = edit((PROD_SECRET, f"sharedSecret: {written}"))
    assert problems_in(text) == [Problem(FILE, 17, 19, "spec.production.sharedSecret", LITERAL)]


def test_a_literal_test_secret_is_refused():
    text = edit((TEST_SECRET, 'sharedSecret: "hunter2"'))
    assert problems_in(text) == [Problem(FILE, 22, 19, "spec.test.sharedSecret", LITERAL)]


# Ways a secret can end up in the file by mistake; none may be echoed back.
PASTED = {
    "double-quoted": f'sharedSecret: "{CANARY}"',
    "plain": f"sharedSecret: {CANARY}",
    "block-scalar": f"sharedSecret: |\n      {CANARY}",
    "in-a-list": f"sharedSecret: [{CANARY}]",
    "under-a-made-up-key": f"sharedSecret: {{value: {CANARY}}}",
    "next-to-a-reference": f"sharedSecret: {{env: ACME_SECRET, value: {CANARY}}}",
    "as-an-env-name-with-a-space": f'sharedSecret: {{env: "{CANARY} x"}}',
    "as-a-secrets-manager-name-with-a-space": f'sharedSecret: {{secretsManager: "{CANARY} x"}}',
    "under-a-wrong-core-tag": f"sharedSecret: !!int {CANARY}",
    "under-a-bool-tag": f"sharedSecret: !!bool {CANARY}",
    "under-a-custom-tag": f"sharedSecret: !secret {CANARY}",
    "anchored": f"sharedSecret: &s {CANARY}",
    "very-long": f"sharedSecret: {CANARY * 200}",
}


@pytest.mark.parametrize("line", PASTED.values(), ids=PASTED.keys())
def test_a_pasted_secret_is_refused_and_appears_in_no_message(line):
    with pytest.raises(ConfigError) as caught:
        load_text(FILE, edit((PROD_SECRET, line)))
    assert caught.value.problems
    assert CANARY not in str(caught.value)
    for problem in caught.value.problems:
        assert CANARY not in problem.message
        assert CANARY not in problem.path


def test_a_pasted_secret_appears_in_no_message_from_load(write):
    path = write("acme.yaml", edit((PROD_SECRET, f"sharedSecret: {CANARY}")))
    result = load([path.parent])
    assert [p.path for p in result.problems] == ["spec.production.sharedSecret"]
    assert all(CANARY not in repr(p) for p in result.problems)
    assert result.integrations == ()


def test_a_secret_reference_is_the_only_thing_the_model_keeps():
    integration = load_text(FILE, edit())
    assert str(integration.production.shared_secret) == "env:ACME_SECRET"
