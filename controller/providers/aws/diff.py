"""The field and tag diff between what a file asks for and a live preference."""

from __future__ import annotations

from controller.config.model import Integration
from controller.engine.plan import (
    FieldChange,
)
from controller.providers.aws.state import (
    LivePreference,
)
from controller.providers.aws.translate import (
    IMMUTABLE,
    RESERVED_TAG_PREFIXES,
    SECRET_FIELDS,
    Essence,
)

# --- the diff ---


def diff_fields(
    wanted: Essence, live: Essence, unresolved: frozenset[str]
) -> tuple[FieldChange, ...]:
    """Field-level differences; secrets only as 'changed', unresolved secrets not compared."""
    out = []
    for path in wanted:
        if path in unresolved:
            continue
        before, after = live.get(path), wanted[path]
        if before == after:
            continue
        if path in SECRET_FIELDS:
            out.append(FieldChange(path, sensitive=True, immutable=False))
        else:
            out.append(FieldChange(path, before, after, immutable=path in IMMUTABLE))
    return tuple(out)


def diff_tags(item: Integration, live: LivePreference) -> tuple[FieldChange, ...]:
    wanted = dict(item.tags)
    have = {k: v for k, v in live.tags if not k.startswith(RESERVED_TAG_PREFIXES)}
    renamed = (
        (FieldChange("metadata.name", live.managed_name, item.name),)
        if live.managed_name != item.name
        else ()
    )
    return renamed + tuple(
        FieldChange(f"tags.{key}", have.get(key), wanted.get(key))
        for key in sorted(wanted.keys() | have.keys())
        if have.get(key) != wanted.get(key)
    )
