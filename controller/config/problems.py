"""What is wrong with a config file, and where: the one error type the loader raises."""

from __future__ import annotations

from dataclasses import dataclass

from controller.errors import UserError
from controller.escape import terminal


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file: file:line:col, the dotted path into the document, the message."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return terminal(f"{self.file}:{self.line}:{self.col}: {where}{self.message}")

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "path": self.path,
            "message": self.message,
        }


class ConfigError(UserError):
    """Config files failed to load or validate; carries every problem found, sorted."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(sorted(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def dotted(path: tuple[str | int, ...]) -> str:
    """Render a document path as `spec.einvoice.documentTypes[1]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
