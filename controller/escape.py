"""Escaping for each medium we print to: terminal/log lines, Markdown, HTML, workflow commands.

Values from config files, from AWS and from file names are untrusted text. Every renderer
passes them through one of these, so a value can never start a workflow command, close a
code fence, open an HTML comment, make a link or an @mention, or move the cursor.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata

# Categories shown as escapes: controls (incl. C1 such as U+0085 and ESC), format characters
# (bidi overrides, zero-width), line and paragraph separators, and anything unassigned.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Lines the Actions runner reads as commands: `::cmd::` after leading whitespace, and the
# legacy `##[cmd]` anywhere in a line (actions/runner ActionCommand.TryParse/TryParseV2).
_COMMAND_START = re.compile(r"^(\s*):")
_LEGACY_COMMAND = "##["


def hidden(char: str) -> bool:
    """True for a character that a reader cannot see or that changes how text is laid out."""
    return unicodedata.category(char) in _HIDDEN


def char(c: str) -> str:
    """One character as a visible escape: \\n, \\x1b, \\u2028 (Python's repr style)."""
    return repr(c)[1:-1] if c not in "'\"" else c


def visible(text: str) -> str:
    """`text` with every hidden character shown as its escape: one line, nothing invisible."""
    return "".join(char(c) if hidden(c) else c for c in text)


def _line(line: str) -> str:
    line = _COMMAND_START.sub(r"\1\\x3a", line, count=1) if line.lstrip().startswith("::") else line
    return line.replace(_LEGACY_COMMAND, "#\\x23[")


def terminal(text: str, *, keep_newlines: bool = False) -> str:
    """Text safe for a terminal and a CI log: no control characters, no workflow commands.

    With `keep_newlines`, "\\n" stays a line break (our own multi-line messages); every line
    is then made safe on its own.
    """
    if not keep_newlines:
        return _line(visible(text))
    return "\n".join(_line(visible(part)) for part in text.split("\n"))


# --- Markdown ---

# Backslash-escaping ASCII punctuation is valid CommonMark and renders the character itself.
# These start something a value must not: code, HTML or a comment, an entity, a table cell,
# a link or image, math, a heading. (Emphasis is harmless and left alone, so `_` and `*`.)
_MD_PUNCTUATION = re.compile(r"([\\`<>&|\[\]!$#])")
# Tokens GitHub would turn into a link or mention even when escaped: put them in code spans.
_LINKISH = re.compile(r"@|://|www\.", re.IGNORECASE)


def code(value: object, *, cell: bool = True) -> str:
    """Inline code that renders literally (no links, no @mentions, no HTML), on one line.

    `cell`: escape `|` so the span is safe inside a table cell (GitHub splits cells first).
    """
    text = visible(str(value))
    if cell:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown(value: object) -> str:
    """Untrusted text inside Markdown prose: shown as written, never interpreted."""
    out = []
    for token in re.split(r"(\s+)", visible(str(value))):
        if token.isspace() or not token:
            out.append(" " * bool(token))
        elif _LINKISH.search(token):
            out.append(code(token))
        else:
            out.append(_MD_PUNCTUATION.sub(r"\\\1", token))
    return "".join(out)


def html(value: object) -> str:
    """Untrusted text inside an HTML element of a Markdown document (e.g. <summary>)."""
    return _html.escape(visible(str(value))).replace("@", "&#64;")


def fence(lines: list[str], info: str = "") -> list[str]:
    """A fenced code block around `lines` that no line of it can close."""
    safe = [visible(line) for line in lines]
    longest = max((len(run) for line in safe for run in re.findall(r"`+", line)), default=0)
    marker = "`" * max(3, longest + 1)
    return [f"{marker}{info}", *safe, marker]


# --- workflow commands (actions/toolkit packages/core/src/command.ts) ---


def command_data(value: str) -> str:
    """The message part of `::error ...::message`."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(value: str) -> str:
    """A property value of `::error file=...,line=...::`."""
    return command_data(value).replace(":", "%3A").replace(",", "%2C")


# --- measuring (a GitHub comment allows 65,536 characters, a job summary 1 MiB) ---


def size(text: str) -> int:
    """Size in UTF-8 bytes: never less than the characters GitHub counts."""
    return len(text.encode("utf-8"))


def fit(blocks: list[str], budget: int, note: str) -> str:
    """Whole blocks, in order, while they fit `budget` with room for `note` (said when cut).

    Each block is self-contained Markdown, so a cut never leaves a fence or <details> open.
    """
    out: list[str] = []
    used = 0
    for index, block in enumerate(blocks):
        cost = size(block) + 1
        if used + cost > budget - size(note.format(left=len(blocks) - index)) - 2:
            out.append(note.format(left=len(blocks) - index))
            break
        out.append(block)
        used += cost
    return "\n".join(out).rstrip() + "\n"
