"""`coupa-gitops validate`: report every problem in every config file."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from controller import config
from controller.config import LoadResult, Problem
from controller.gitops import github


def annotation(problem: Problem) -> str:
    """A GitHub Actions `::error` line that shows the problem inline on the PR diff."""
    message = f"{problem.path}: {problem.message}" if problem.path else problem.message
    return github.annotation(
        "error", message, file=problem.file, line=problem.line, col=problem.col
    )


def summary(result: LoadResult) -> str:
    files = len(result.files)
    if not result.problems:
        calendars = len(result.calendars)
        extra = f", {calendars} change windows file{'s' * (calendars != 1)}" * bool(calendars)
        kinds = f"{len(result.integrations)} integrations{extra}"
        return f"{files} file{'s' * (files != 1)} valid ({kinds})"
    bad = len({p.file for p in result.problems})
    files = len(set(result.files) | {p.file for p in result.problems})  # missing paths count too
    count = len(result.problems)
    return f"{count} problem{'s' * (count != 1)} in {bad} of {files} file{'s' * (files != 1)}"


def report(result: LoadResult, fmt: str, out: TextIO, err: TextIO) -> None:
    """Write the problems as text (one per line) or JSON, then a one-line summary."""
    if fmt == "json":
        doc = {
            "valid": not result.problems,
            "files": len(result.files),
            "problems": [p.as_dict() for p in result.problems],
        }
        json.dump(doc, out, indent=2)
        out.write("\n")
    else:
        for problem in result.problems:
            out.write(f"{problem}\n")
    if github.in_actions():
        stream = err if fmt == "json" else out  # keep stdout parseable JSON
        for problem in result.problems:
            stream.write(annotation(problem) + "\n")
    print(summary(result), file=err if fmt == "json" else out)


def run(paths: list[str], fmt: str = "text") -> int:
    """Validate `paths`; 0 when every file is valid, 1 otherwise."""
    result = config.load(paths)
    if not result.files and not result.problems:
        print(f"no *.yaml or *.yml files under {', '.join(paths)}", file=sys.stderr)
        return 1
    report(result, fmt, sys.stdout, sys.stderr)
    return 1 if result.problems else 0
