"""Bad plan files and errors that echo a secret: exit 1 with what is wrong, never a traceback."""

from __future__ import annotations

import json

import pytest

from controller import cli
from controller.errors import UserError

from .helpers import CANARY, SECRETS


def _apply_with(world, text: str):
    world.write()
    path = world.tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    return world.apply("--plan", str(path), "--auto-approve")


def _saved_plan(world) -> dict:
    world.write()
    out = world.tmp_path / "good.json"
    assert world.plan("--out", str(out)).code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def _assert_clean_error(result, *words: str) -> None:
    assert result.code == 1, result.both
    assert "hit a bug" not in result.err and "Traceback" not in result.err
    assert result.err.startswith("error: ")
    for word in words:
        assert word in result.err, result.err


def test_a_plan_file_holding_a_list_is_refused_with_what_it_is(world):
    _assert_clean_error(_apply_with(world, "[1]"), "is not a coupa-gitops plan file")


def test_an_empty_object_as_a_plan_file_is_refused(world):
    _assert_clean_error(_apply_with(world, "{}"), "is not a coupa-gitops plan file")


def test_a_plan_file_that_is_not_json_is_refused(world):
    _assert_clean_error(_apply_with(world, "not json at all"), "is not JSON")


def test_a_plan_file_with_wrong_types_says_which_member(world):
    doc = _saved_plan(world)
    doc["changes"][0]["fields"] = "everything"
    doc["notes"] = 7
    result = _apply_with(world, json.dumps(doc))
    _assert_clean_error(result, "changes[0].fields: must be a list, not text", "notes: must be")


def test_a_plan_file_with_a_change_missing_members_lists_them(world):
    doc = _saved_plan(world)
    doc["changes"][0] = {"name": "acme-emea"}
    _assert_clean_error(_apply_with(world, json.dumps(doc)), "changes[0].action: missing")


def test_a_plan_file_with_an_unknown_action_is_refused(world):
    doc = _saved_plan(world)
    doc["changes"][0]["action"] = "explode"
    _assert_clean_error(_apply_with(world, json.dumps(doc)), "'explode'")


def test_a_plan_file_changing_an_integration_no_file_declares_is_refused(world):
    doc = _saved_plan(world)
    doc["changes"][0]["name"] = "ghost"
    _assert_clean_error(
        _apply_with(world, json.dumps(doc)), "'ghost'", "which no config file declares"
    )
    assert world.summaries() == []  # nothing was changed


def test_the_error_printer_redacts_a_secret_an_error_echoes(world, monkeypatch, capsys):
    world.write()
    assert world.plan().code == 0  # resolves the canary secrets in this process
    secret = SECRETS["ACME_COUPA_SECRET"]

    def echoing(paths, **_):
        raise UserError(f"ValidationException: bad value {secret} for SharedSecret")

    monkeypatch.setattr("controller.commands.status_command", echoing)
    capsys.readouterr()
    assert cli.main(["status"]) == 1
    err = capsys.readouterr().err
    assert CANARY not in err
    assert "bad value *** for SharedSecret" in err


@pytest.mark.parametrize("kind", [UserError, RuntimeError])
def test_no_path_out_of_main_prints_a_resolved_secret(world, monkeypatch, capsys, kind):
    world.write()
    assert world.plan().code == 0
    secret = SECRETS["ACME_COUPA_SECRET"]

    def failing(paths, **_):
        raise kind(f"echo {secret}\n::warning::injected")

    monkeypatch.setattr("controller.commands.status_command", failing)
    capsys.readouterr()
    assert cli.main(["status"]) == 1
    err = capsys.readouterr().err
    assert CANARY not in err
    assert not any(line.lstrip().startswith("::") for line in err.splitlines())
