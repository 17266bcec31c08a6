"""ClientToken: which member carries it, what a replay must match, and the refusal of a reuse."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from controller.sandbox.aws import shapes
from controller.sandbox.aws.errors import ApiError, ConflictException, ValidationException
from controller.sandbox.aws.shapes import FieldError


def idempotency_member(operation: str) -> str | None:
    shape = shapes.operation(operation).input_shape
    members: dict[str, Any] = shape.members if shape else {}  # botocore has no stubs
    for name, member in members.items():
        if member.metadata.get("idempotencyToken"):
            return name
    return None


def models_error(operation: str, code: str) -> bool:
    """Whether the model lists error `code` for `operation` (AWS answers no other)."""
    return code in {shape.name for shape in shapes.operation(operation).error_shapes}


def token_reused(operation: str, token: str, resource_type: str) -> ApiError:
    """A ClientToken replayed with a different request: Conflict where the model has it."""
    message = f"ClientToken '{token}' was already used for a different {operation} request"
    if models_error(operation, ConflictException.code):
        return ConflictException(message, resourceType=resource_type)
    # Send/Verify list no ConflictException: the reused token is then an invalid input.
    return ValidationException.from_fields([FieldError("ClientToken", message)], "invalidInput")


def request_hash(params: dict[str, Any], token_member: str) -> str:
    body = {key: value for key, value in params.items() if key != token_member}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
