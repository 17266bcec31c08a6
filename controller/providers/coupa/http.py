"""The Coupa Core API's HTTP conventions: instance URLs, filters, Retry-After, error bodies."""

from __future__ import annotations

import email.utils
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from controller.errors import UserError


def split_instance(instance_url: str) -> tuple[str, str]:
    """(base URL, Host header value) of an instance URL such as https://acme.coupahost.com."""
    text = instance_url.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UserError(f"Coupa instance URL {instance_url!r} is not an https:// URL with a host")
    if parts.path or parts.query:
        raise UserError(
            f"Coupa instance URL {instance_url!r} has a path; give only the instance, "
            "e.g. https://acme.coupahost.com"
        )
    return f"{parts.scheme}://{parts.netloc}", parts.netloc


def filter_key(key: str) -> str:
    """`po_method` -> `po-method`, `name__contains` -> `name[contains]` (keys as Coupa reads)."""
    if "[" in key:
        attribute, bracket, rest = key.partition("[")
        return attribute.replace("_", "-") + bracket + rest
    attribute, _, operator = key.partition("__")
    attribute = attribute.replace("_", "-")
    return f"{attribute}[{operator}]" if operator else attribute


def filter_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(filter_value(v) for v in value)  # `in` / `not_in` take a list
    return str(value)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def messages_of(response: httpx.Response) -> tuple[str, ...]:
    """Coupa's error messages: `{"errors": {resource: [...]}}` (m011), or an OAuth error."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return (text[:300],) if text else ()
    if isinstance(body, dict) and isinstance(body.get("errors"), dict):
        found = []
        for key, values in body["errors"].items():
            for value in values if isinstance(values, list) else [values]:
                found.append(f"{key}: {value}")
        return tuple(found)
    if isinstance(body, dict) and "error" in body:
        description = body.get("error_description")
        return (f"{body['error']}: {description}" if description else str(body["error"]),)
    return (str(body)[:300],)


def secret_values(payload: object) -> Iterable[str]:
    """String values under keys naming a secret or password (the cXML shared secret, ...)."""
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            lowered = str(key).lower()
            if isinstance(value, str) and ("secret" in lowered or "password" in lowered):
                yield value
            else:
                yield from secret_values(value)
    elif isinstance(payload, list | tuple):
        for value in payload:
            yield from secret_values(value)
