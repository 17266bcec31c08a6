"""Config files -> validated, typed desired state (raw YAML -> schema + rules -> model)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from controller.config import rules, schema
from controller.config import windows as change_windows
from controller.config.calendar import ChangeWindows, Window, flatten
from controller.config.model import (
    DEFAULT_REGION,
    UNSPSC_CODES,
    Contact,
    Coupa,
    CoupaClientRef,
    CoupaSupplier,
    Einvoice,
    Endpoint,
    Integration,
    Mode,
    Party,
    Punchout,
    SecretRef,
    Selector,
    Source,
)
from controller.config.problems import ConfigError, Problem, dotted
from controller.config.yamldoc import MAX_BYTES, Document, decode, parse

__all__ = ["KINDS", "ConfigError", "LoadResult", "Problem", "discover", "load", "load_text"]

SUFFIXES = (".yaml", ".yml")
NO_CONTROL_MESSAGE = "must not contain control, invisible or line-separator characters"


@dataclass(frozen=True)
class LoadResult:
    """Every integration that is valid, and every problem found in any file."""

    files: tuple[str, ...]
    integrations: tuple[Integration, ...]
    problems: tuple[Problem, ...]
    calendars: tuple[ChangeWindows, ...] = ()  # the valid kind ChangeWindows files

    @property
    def windows(self) -> tuple[Window, ...]:
        """Every deny window of every valid ChangeWindows file."""
        return flatten(self.calendars)

    def require_valid(self) -> tuple[Integration, ...]:
        """The integrations, or a ConfigError listing every problem."""
        if self.problems:
            raise ConfigError(self.problems)
        return self.integrations


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Problem]]:
    """Config files under `paths` (*.yaml/*.yml, recursively), sorted; and problems.

    A missing path is a problem, and so is a file whose name (below the path given) is
    outside the safe set: it is reported, never read.
    """
    found: set[Path] = set()
    missing: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            named = {path: path.name}
        elif path.is_dir():
            named = {
                p: p.relative_to(path).as_posix()
                for p in path.rglob("*")
                if p.suffix in SUFFIXES and p.is_file()
            }
        else:
            missing.append(Problem(str(raw), 1, 1, "", "no such file or directory"))
            continue
        for file, name in named.items():
            wrong = rules.file_name_problem(name)
            if wrong:
                missing.append(Problem(_display(file), 1, 1, "", wrong))
            else:
                found.add(file)
    return sorted(found), missing


@dataclass(frozen=True)
class Kind:
    """How one `kind` of file is checked and turned into its typed model."""

    schema: str
    rules: tuple[rules.Rule, ...]
    to_model: Callable[[Document], Integration | ChangeWindows]


INTEGRATION = "CoupaIntegration"


def _document_problems(doc: Document) -> list[Problem]:
    kind = _kind(doc)
    if isinstance(kind, Problem):
        return [kind]
    semantic = [
        Problem(doc.file, *doc.where(path, key=at_key), dotted(path), message)
        for rule in kind.rules
        for path, message, at_key in rule(doc.data)
    ]
    # A rule that explains a value says it better than the schema does: keep one message per path.
    explained = {p.path for p in semantic}
    structural = [p for p in schema.check(doc, kind.schema) if p.path not in explained]
    # Hidden characters: said where nothing else rejects the value, or only the schema's
    # generic "no control characters" does (this message names the character).
    hidden = {
        dotted(path): Problem(doc.file, *doc.where(path, key=at_key), dotted(path), message)
        for path, message, at_key in rules.hidden_characters(doc.data)
    }
    structural = [
        p for p in structural if not (p.path in hidden and p.message == NO_CONTROL_MESSAGE)
    ]
    found = structural + semantic
    # A tag's other characters are a separate fix: both are said.
    reported = {p.path for p in found if rules.TAG_HELP not in p.message}
    return found + [p for path, p in hidden.items() if path not in reported]


def _kind(doc: Document) -> Kind | Problem:
    """The kind a document declares; a missing or non-text kind is checked as an integration."""
    name = doc.data.get("kind") if isinstance(doc.data, dict) else None
    if not isinstance(name, str):
        return KINDS[INTEGRATION]  # its schema says what is missing or wrong
    if name in KINDS:
        return KINDS[name]
    known = list(KINDS)
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean `{match[0]}`?" if match else ""
    line, col = doc.where(("kind",))
    message = f"unknown kind `{name}`: must be {' or '.join(known)}{hint}"
    return Problem(doc.file, line, col, "kind", message)


def _secret(raw: Mapping[str, Any]) -> SecretRef:
    ((source, name),) = raw.items()
    return SecretRef(source, name)


def _endpoint(raw: Mapping[str, Any]) -> Endpoint:
    return Endpoint(
        instance_url=raw["instanceUrl"],
        buyer=Party(raw["buyer"]["domain"], raw["buyer"]["identity"]),
        supplier=Party(raw["supplier"]["domain"], raw["supplier"]["identity"]),
        shared_secret=_secret(raw["sharedSecret"]),
    )


def _coupa_client(raw: Mapping[str, Any]) -> CoupaClientRef:
    return CoupaClientRef(raw["clientId"], _secret(raw["clientSecret"]))


def _coupa(raw: Mapping[str, Any] | None) -> Coupa | None:
    if raw is None:
        return None
    supplier = raw["supplier"]
    return Coupa(
        production=_coupa_client(raw["production"]),
        test=_coupa_client(raw["test"]) if "test" in raw else None,
        supplier=CoupaSupplier(
            name=supplier["name"],
            invoice_matching_level=supplier["invoiceMatchingLevel"],
            number=supplier.get("number"),
            adopt=bool(supplier.get("adopt", False)),
        ),
        commodities=tuple((code, raw["commodities"][code]) for code in UNSPSC_CODES),
    )


def _einvoice(raw: Mapping[str, Any]) -> Einvoice:
    when = raw.get("activationDate")
    return Einvoice(
        enabled=raw["enabled"],
        document_types=tuple(raw.get("documentTypes", ())),
        attachment_types=tuple(raw.get("attachmentTypes", ())),
        purchase_order_required=tuple(sorted(raw.get("purchaseOrderRequired", {}).items())),
        connection_test=raw.get("connectionTest"),
        activation_date=date.fromisoformat(when) if when else None,
    )


def to_model(doc: Document) -> Integration:
    """The typed integration of a document that passed every check."""
    data: Mapping[str, Any] = doc.data  # valid against its schema: the shapes are known
    meta, spec = data["metadata"], data["spec"]
    selector = spec.get("selector")
    return Integration(
        name=meta["name"],
        description=meta.get("description", ""),
        approvers=tuple(meta.get("approvers", ())),
        account=spec["account"],
        role_arn=spec.get("roleArn"),
        region=spec.get("region", DEFAULT_REGION),
        mode=Mode(spec.get("mode", Mode.TEST.value)),
        contact=Contact(spec["contact"]["name"], spec["contact"]["email"]),
        production=_endpoint(spec["production"]),
        test=_endpoint(spec["test"]) if "test" in spec else None,
        punchout=Punchout(
            spec["punchout"]["enabled"], spec["punchout"].get("approvalRequestRedirectUrl")
        ),
        einvoice=_einvoice(spec["einvoice"]),
        purchase_order_retrieval=spec["purchaseOrderRetrieval"]["enabled"],
        selector=Selector(
            tuple(selector.get("sellerOfRecords", ())), tuple(selector.get("invoiceUnitArns", ()))
        )
        if selector is not None
        else None,
        tags=tuple(sorted(spec.get("tags", {}).items())),
        coupa=_coupa(spec.get("coupa")),
        source=Source(doc.file, doc.where(("metadata", "name"))[0]),
    )


# One entry per `kind:`; the loader dispatches on it.
KINDS: dict[str, Kind] = {
    INTEGRATION: Kind(schema.SCHEMA_FILE.name, rules.RULES, to_model),
    change_windows.KIND: Kind(change_windows.SCHEMA, change_windows.RULES, change_windows.to_model),
}


def _model(doc: Document) -> Integration | ChangeWindows:
    kind = _kind(doc)
    assert isinstance(kind, Kind), "only valid documents become models"
    return kind.to_model(doc)


def load_text(file: str, text: str) -> Integration | ChangeWindows:
    """Parse and validate one file's text; raises ConfigError with every problem in it."""
    wrong = rules.file_name_problem(file)
    if wrong:
        raise ConfigError([Problem(file, 1, 1, "", wrong)])
    doc = parse(file, text)
    problems = _document_problems(doc)
    if problems:
        raise ConfigError(problems)
    return _model(doc)


def _load_one(path: Path) -> tuple[Document | None, list[Problem]]:
    file = _display(path)
    try:
        with path.open("rb") as handle:  # read one byte past the limit, never the whole file
            doc = parse(file, decode(file, handle.read(MAX_BYTES + 1)))
    except ConfigError as exc:
        return None, list(exc.problems)
    except OSError as exc:
        return None, [Problem(file, 1, 1, "", f"cannot read file: {exc.strerror}")]
    return doc, _document_problems(doc)


def _at(data: object, *path: str) -> object:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _name_key(data: object) -> tuple[object, ...] | None:
    name = _at(data, "metadata", "name")
    is_windows = _at(data, "kind") == change_windows.KIND
    return (name,) if isinstance(name, str) and not is_windows else None


def _calendar_key(data: object) -> tuple[object, ...] | None:
    name = _at(data, "metadata", "name")
    is_windows = _at(data, "kind") == change_windows.KIND
    return (name,) if isinstance(name, str) and is_windows else None


def _identity_key(data: object) -> tuple[object, ...] | None:
    parts = (
        _at(data, "spec", "account"),
        _at(data, "spec", "production", "buyer", "identity"),
        _at(data, "spec", "production", "supplier", "identity"),
    )
    return parts if all(isinstance(p, str) for p in parts) else None


# What must be unique across files: (where to point, the key, the message).
UNIQUE: tuple[tuple[tuple[str, ...], Callable[[object], tuple[object, ...] | None], str], ...] = (
    (
        ("metadata", "name"),
        _name_key,
        "name `{0}` is already used by {where}; names must be unique",
    ),
    (
        ("metadata", "name"),
        _calendar_key,
        "change windows `{0}` are already defined by {where}; names must be unique",
    ),
    (
        ("spec", "production", "buyer", "identity"),
        _identity_key,
        "account {0}, buyer `{1}` and supplier `{2}` are already described by {where}: they name "
        "one AWS preference, so only one file may; merge the files or change the identity",
    ),
)


def _duplicates(docs: list[Document]) -> list[Problem]:
    problems = []
    for path, key_of, message in UNIQUE:
        seen: dict[tuple[object, ...], Document] = {}
        for doc in docs:
            key = key_of(doc.data)
            if key is None:
                continue
            if key in seen:
                first = seen[key]
                where = f"{first.file}:{first.where(path)[0]}"
                line, col = doc.where(path)
                text = message.format(*key, where=where)
                problems.append(Problem(doc.file, line, col, dotted(path), text))
            else:
                seen[key] = doc
    return problems


def load(paths: Iterable[str | os.PathLike[str]]) -> LoadResult:
    """Load every config file under `paths`; never raises for a user mistake."""
    files, problems = discover(paths)
    parsed: list[Document] = []
    valid: list[Document] = []
    for path in files:
        doc, found = _load_one(path)
        problems.extend(found)
        if doc is not None:
            parsed.append(doc)
            if not found:
                valid.append(doc)
    duplicates = _duplicates(parsed) + change_windows.duplicate_window_names(parsed)
    problems.extend(duplicates)
    clashing = {p.file for p in duplicates}
    models = [_model(d) for d in valid if d.file not in clashing]
    integrations = [m for m in models if isinstance(m, Integration)]
    return LoadResult(
        files=tuple(_display(p) for p in files),
        integrations=tuple(sorted(integrations, key=lambda i: i.name)),
        problems=tuple(sorted(problems)),
        calendars=tuple(m for m in models if isinstance(m, ChangeWindows)),
    )
