"""Every argument of every command explains itself in --help."""

from __future__ import annotations

import argparse

from controller.cli import build_parser


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_argument_of_every_command_has_help():
    missing = [
        f"{name} {action.dest}"
        for name, command in _commands().items()
        for action in command._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert missing == []


def test_every_command_that_reads_config_takes_paths_positionally():
    takes_config = {"validate", "plan", "apply", "status", "verify-endpoint", "import", "intent"}
    for name in takes_config:
        dests = {a.dest for a in _commands()[name]._actions if not a.option_strings}
        assert "paths" in dests, name


def test_status_offers_text_and_json():
    (fmt,) = (a for a in _commands()["status"]._actions if a.dest == "format")
    assert fmt.choices == ["text", "json"]
