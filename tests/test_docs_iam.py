"""docs/github-setup.md shows the real output of `coupa-gitops iam-policy`, so it cannot drift.

Each JSON block after a `<!-- iam-policy: COMMAND -->` line must equal what COMMAND prints,
run in the repository root. To refresh the document: UPDATE_DOCS=1 pytest tests/test_docs_iam.py
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from controller import cli

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "github-setup.md"
BLOCK = re.compile(r"<!-- iam-policy: (?P<command>[^>]*?) -->\n```json\n(?P<body>.*?)```", re.S)


def _output(command: str, monkeypatch: pytest.MonkeyPatch) -> str:
    argv = shlex.split(command)
    assert argv[:2] == ["coupa-gitops", "iam-policy"], command
    monkeypatch.chdir(ROOT)  # the default PATHS, config/, is this repository's
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(argv[1:]) == 0, command
    return out.getvalue()


def test_every_policy_in_the_setup_guide_is_the_commands_output(monkeypatch) -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = list(BLOCK.finditer(text))
    assert len(blocks) >= 7  # three trust, three permission, one cross-account trust
    if os.environ.get("UPDATE_DOCS"):
        text = BLOCK.sub(
            lambda m: (
                f"<!-- iam-policy: {m['command']} -->\n```json\n"
                f"{_output(m['command'], monkeypatch)}```"
            ),
            text,
        )
        DOC.write_text(text, encoding="utf-8")
        return
    for match in blocks:
        printed = _output(match["command"], monkeypatch)
        assert json.loads(match["body"] or "null") == json.loads(printed), match["command"]
