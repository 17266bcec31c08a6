"""Read .github/workflows/*.yml for tests: jobs, steps, and the coupa-gitops commands they run.

`commands()` gives every `coupa-gitops ...` line of every `run:` block, cut before any shell
redirection or pipe, as argv lists: a test can run them exactly as the workflow does.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
_SHELL_OPERATOR = re.compile(r"\s(?:\d?>>?|\|\|?|&&|<)\s?")


def files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def load(name: str | Path) -> dict:
    path = name if isinstance(name, Path) else WORKFLOWS / name
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on


@dataclass(frozen=True)
class Command:
    workflow: str
    job: str
    step: str
    line: str  # the shell line as written
    argv: tuple[str, ...]  # without the leading `coupa-gitops`


def commands(name: str | Path | None = None) -> list[Command]:
    found = []
    for path in [WORKFLOWS / name] if isinstance(name, str) else [name] if name else files():
        for job_id, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                for raw in str(step.get("run", "")).splitlines():
                    line = raw.strip()
                    if not line.startswith("coupa-gitops "):
                        continue
                    command = _SHELL_OPERATOR.split(line, maxsplit=1)[0]
                    argv = tuple(shlex.split(command))[1:]
                    found.append(Command(path.name, job_id, step.get("name", ""), line, argv))
    return found
