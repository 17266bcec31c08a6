"""AWS-shaped errors: each becomes `{"__type": ..., "message": ...}` with its HTTP status.

The statuses of modeled errors are those of AWS's Smithy model of Invoicing (as generated into
the AWS SDK for JavaScript v3): botocore's JSON model carries none and reads only `__type`.
"""

from __future__ import annotations

from typing import Any

from controller.sandbox.aws.shapes import FieldError, error_namespace

CORAL = "com.amazon.coral.service"
MAX_MESSAGE = 1024
MAX_FIELDS = 100  # a 500-element list of bad ARNs need not answer with 500 entries


class ApiError(Exception):
    """An error answered to the API caller; `extra` carries the modeled error members."""

    status = 400
    code = "InternalFailure"
    modeled = True  # modeled errors carry the service namespace in `__type`

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message[:MAX_MESSAGE]
        self.extra = {key: value for key, value in extra.items() if value is not None}

    def headers(self) -> dict[str, str]:
        """HTTP headers the error answer carries besides the protocol's own."""
        return {}

    def body(self) -> dict[str, Any]:
        namespace = error_namespace() if self.modeled else CORAL
        return {"__type": f"{namespace}#{self.code}", "message": self.message, **self.extra}


class ValidationException(ApiError):
    code = "ValidationException"

    @classmethod
    def from_fields(cls, errors: list[FieldError], reason: str) -> ValidationException:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        sentences = "; ".join(error.sentence() for error in errors[:MAX_FIELDS])
        return cls(
            f"{count} validation {noun} detected: {sentences}",
            reason=reason,
            fieldList=[
                {"name": error.path, "message": error.message[:MAX_MESSAGE]}
                for error in errors[:MAX_FIELDS]
            ],
        )


class ResourceNotFoundException(ApiError):
    status = 404
    code = "ResourceNotFoundException"


class ConflictException(ApiError):
    status = 409
    code = "ConflictException"


class ServiceQuotaExceededException(ApiError):
    status = 402
    code = "ServiceQuotaExceededException"


class ThrottlingException(ApiError):
    status = 429
    code = "ThrottlingException"


class AccessDeniedException(ApiError):
    status = 403
    code = "AccessDeniedException"


class InternalServerException(ApiError):
    status = 500
    code = "InternalServerException"
    retry_after_s = 1  # the model's retryAfterSeconds member travels as this header

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class MissingAuthenticationTokenException(ApiError):
    code = "MissingAuthenticationTokenException"
    modeled = False


class IncompleteSignatureException(ApiError):
    code = "IncompleteSignatureException"
    modeled = False


class InvalidSignatureException(ApiError):
    status = 403
    code = "InvalidSignatureException"
    modeled = False


class UnknownOperationException(ApiError):
    code = "UnknownOperationException"
    modeled = False


class SerializationException(ApiError):
    code = "SerializationException"
    modeled = False
