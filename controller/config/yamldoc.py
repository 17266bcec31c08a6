"""Safe YAML reading: one document, plain data, a line and column for every node.

Built from parser events rather than PyYAML's constructor so that we can refuse what
PyYAML would silently accept: duplicate keys (PyYAML keeps the last), anchors and aliases
("billion laughs"), custom tags, and YAML 1.1 surprises (`on`/`yes` as booleans, `0111`
as an octal number, unquoted dates becoming date objects).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import yaml
from yaml import events as ev

from controller.config.problems import ConfigError, Problem, dotted

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64


class _Mark(Protocol):
    """Where a node starts: PyYAML's Mark and libyaml's (two unrelated classes) both have it."""

    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


class _EventSource(Protocol):
    """The part of a loader (SafeLoader or libyaml's CSafeLoader) that we use: its events."""

    def get_event(self) -> ev.Event | None: ...
    def check_event(self, *choices: type[ev.Event]) -> bool: ...
    def dispose(self) -> None: ...


_Parser: type[yaml.CSafeLoader] | type[yaml.SafeLoader]
try:  # libyaml's parser is several times faster; the pure-Python one behaves the same
    _Parser = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Parser = yaml.SafeLoader

# YAML 1.2 core schema for plain scalars: only these become non-strings.
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Document:
    """A parsed file: its data and where each value (and each mapping key) starts."""

    file: str
    data: dict[str, object]  # parse() accepts only a mapping at the top level
    positions: dict[Path, tuple[int, int]] = field(repr=False)
    key_positions: dict[Path, tuple[int, int]] = field(repr=False)
    plain_text: dict[Path, str] = field(repr=False)

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at `path` (or of its key), else of its nearest parent."""
        table = self.key_positions if key else self.positions
        if path in table:
            return table[path]
        while path:
            path = path[:-1]
            if path in self.key_positions:
                return self.key_positions[path]
            if path in self.positions:
                return self.positions[path]
        return (1, 1)


def _plain_value(text: str) -> object:
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        try:
            return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
        except ValueError:  # longer than sys.get_int_max_str_digits(): keep it as text
            return text
    if _FLOAT.fullmatch(text):
        return float(
            text.replace(".", "", 1) if text.lower().lstrip("+-") in (".inf", ".nan") else text
        )
    return text


_EXPLICIT: dict[str, Callable[[str], object]] = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": lambda t: _BOOL[t],
    "tag:yaml.org,2002:null": lambda t: None,
}


def _pos(mark: _Mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def decode(file: str, raw: bytes) -> str:
    """UTF-8 text of a config file, or a ConfigError naming the first bad byte."""
    if len(raw) > MAX_BYTES:
        raise ConfigError(
            [
                Problem(
                    file, 1, 1, "", "file is larger than 1 MiB; one integration fits in a few KiB"
                )
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        # in characters, like every other column (the bytes before the bad one are valid UTF-8)
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8")) + 1
        raise ConfigError(
            [Problem(file, line, col, "", "file is not valid UTF-8; save it as UTF-8")]
        ) from None
    return text.removeprefix("\ufeff")


class _Builder:
    """Turns a parser's event stream into plain data plus positions."""

    def __init__(self, file: str):
        self.file = file
        self.positions: dict[Path, tuple[int, int]] = {}
        self.key_positions: dict[Path, tuple[int, int]] = {}
        self.plain_text: dict[Path, str] = {}

    def fail(self, mark: _Mark | None, path: Path, message: str) -> ConfigError:
        line, col = _pos(mark) if mark else (1, 1)
        return ConfigError([Problem(self.file, line, col, dotted(path), message)])

    def scalar(self, event: ev.ScalarEvent, path: Path) -> object:
        if event.tag is not None and event.tag != "!":
            convert = _EXPLICIT.get(event.tag)
            if convert is None:
                raise self.fail(
                    event.start_mark, path, f"YAML tag {event.tag} is not supported; remove it"
                )
            try:
                return convert(event.value)
            except (ValueError, KeyError):
                raise self.fail(  # never echo the value: it may be a secret
                    event.start_mark, path, f"the value is not a valid {event.tag}"
                ) from None
        if not event.style:  # plain, unquoted (libyaml says '', the Python parser None)
            self.plain_text[path] = event.value
            return _plain_value(event.value)
        return event.value

    def build(self, loader: _EventSource) -> object:
        """Consume one document's events; the stack holds (container, path, pending key)."""
        root: list[object] = []
        stack: list[tuple[dict[str, object] | list[object], Path, str | None]] = [(root, (), None)]
        while True:
            event = _next_event(loader)
            if isinstance(event, (ev.DocumentEndEvent, ev.StreamEndEvent)):
                return root[0] if root else None
            container, path, pending = stack[-1]
            if isinstance(event, (ev.MappingEndEvent, ev.SequenceEndEvent)):
                stack.pop()
                continue
            if isinstance(event, ev.AliasEvent) or getattr(event, "anchor", None):
                at = path  # the node that carries the anchor or alias, not its parent
                if isinstance(container, dict) and pending is not None:
                    at = (*path, pending)
                elif isinstance(container, list) and container is not root:
                    at = (*path, len(container))
                raise self.fail(
                    event.start_mark,
                    at,
                    "YAML anchors (&name) and aliases (*name) are not supported; "
                    "write the value out in full",
                )
            if isinstance(container, dict):
                if pending is None:
                    # A mapping key: must be a plain or quoted scalar; kept as its text.
                    if not isinstance(event, ev.ScalarEvent):
                        raise self.fail(event.start_mark, path, "mapping keys must be plain text")
                    key = event.value
                    if key in container:
                        first = self.key_positions[(*path, key)]
                        raise self.fail(
                            event.start_mark,
                            (*path, key),
                            f"duplicate key `{key}` (first defined at line {first[0]}); "
                            "keep only one",
                        )
                    self.key_positions[(*path, key)] = _mark_pos(event)
                    stack[-1] = (container, path, key)
                    continue
                slot = pending
                child: Path = (*path, slot)
                stack[-1] = (container, path, None)
            elif isinstance(container, list) and container is not root:
                child = (*path, len(container))
            else:
                child = ()
            self.positions[child] = _mark_pos(event)
            if isinstance(event, ev.ScalarEvent):
                value: object = self.scalar(event, child)
            elif isinstance(event, (ev.MappingStartEvent, ev.SequenceStartEvent)):
                if len(stack) > MAX_DEPTH:
                    raise self.fail(event.start_mark, child, f"nesting deeper than {MAX_DEPTH}")
                if (
                    event.tag
                    and not event.implicit
                    and event.tag
                    not in (
                        "tag:yaml.org,2002:map",
                        "tag:yaml.org,2002:seq",
                    )
                ):
                    raise self.fail(
                        event.start_mark, child, f"YAML tag {event.tag} is not supported; remove it"
                    )
                new: dict[str, object] | list[object] = (
                    {} if isinstance(event, ev.MappingStartEvent) else []
                )
                stack.append((new, child, None))
                value = new
            else:  # pragma: no cover - the parser emits nothing else inside a document
                raise self.fail(event.start_mark, child, "unexpected YAML content")
            if isinstance(container, dict):
                container[slot] = value
            else:
                container.append(value)


def _next_event(loader: _EventSource) -> ev.Event:
    """The next event; there always is one, as nothing reads past StreamEnd."""
    event = loader.get_event()
    if event is None:  # pragma: no cover - the parser ends every stream with StreamEnd
        raise yaml.YAMLError("the YAML stream ended early")
    return event


def _mark_pos(event: ev.Event) -> tuple[int, int]:
    """Line and column where a node event starts (the parser gives every node a mark)."""
    if event.start_mark is None:  # pragma: no cover - the parser marks every node
        return (1, 1)
    return _pos(event.start_mark)


def parse(file: str, text: str) -> Document:
    """Parse exactly one YAML document into plain data with positions, or raise ConfigError."""
    builder = _Builder(file)
    bad = _bad_character(builder, text)
    if bad is not None:  # also keeps lone surrogates (UnicodeEncodeError) away from libyaml
        raise bad
    loader: _EventSource = _Parser(text)
    try:
        loader.get_event()  # StreamStart
        if loader.check_event(ev.StreamEndEvent):
            raise builder.fail(None, (), "file is empty; it must hold one CoupaIntegration")
        loader.get_event()  # DocumentStart
        data = builder.build(loader)
        if not loader.check_event(ev.StreamEndEvent):
            extra = _next_event(loader)
            if not isinstance(extra, ev.StreamEndEvent):
                raise builder.fail(
                    extra.start_mark,
                    (),
                    "more than one YAML document (---); put each integration in its own file",
                )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = _tab_message(text, mark) or "invalid YAML: " + " ".join(
            p for p in (exc.context, exc.problem) if p
        )
        raise builder.fail(mark, (), message) from None
    except yaml.reader.ReaderError as exc:  # pragma: no cover - _bad_character caught it first
        raise builder.fail(None, (), f"invalid YAML: {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise builder.fail(None, (), f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if data is None:
        raise builder.fail(None, (), "file is empty; it must hold one CoupaIntegration")
    if not isinstance(data, dict):
        raise builder.fail(
            loader_mark(builder, ()),
            (),
            f"the top level must be a mapping (apiVersion, kind, metadata, spec), "
            f"not {_KIND.get(type(data), type(data).__name__)}",
        )
    return Document(file, data, builder.positions, builder.key_positions, builder.plain_text)


def _tab_message(text: str, mark: _Mark | None) -> str | None:
    """A tab where YAML wanted indentation, said plainly (PyYAML speaks of 'tokens')."""
    lines = text.split("\n")
    if mark is None or mark.line >= len(lines):
        return None
    line = lines[mark.line]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" not in indent and line[mark.column : mark.column + 1] != "\t":
        return None
    column = (line.index("\t") if "\t" in indent else mark.column) + 1
    return (
        f"invalid YAML: a tab character (column {column}) where YAML expects indentation; "
        "YAML indents with spaces only: replace the tab with spaces"
    )


_KIND = {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}

# Characters YAML forbids in a stream (PyYAML's Reader.NON_PRINTABLE). Checked up front:
# libyaml's ReaderError gives a byte offset and a multi-line message.
_NOT_PRINTABLE = re.compile(
    r"[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _bad_character(builder: _Builder, text: str) -> ConfigError | None:
    """The first character YAML does not allow (e.g. NUL), as a one-line problem; else None."""
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return None
    at = found.start()
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    message = f"character U+{ord(found.group()):04X} is not allowed in YAML; remove it"
    return ConfigError([Problem(builder.file, line, col, "", message)])


def loader_mark(builder: _Builder, path: Path) -> yaml.Mark | None:
    line, col = builder.positions.get(path, (1, 1))
    return yaml.Mark("", 0, line - 1, col - 1, None, 0)  # no buffer: the pointer is unused
