"""Domain errors raised by services and turned into responses at the request edge."""

from __future__ import annotations


class DomainError(Exception):
    """Base for rule violations; `status` is the HTTP status a route should answer with."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"

    @classmethod
    def for_field(cls, field: str, message: str) -> ValidationFailed:
        """The error for one field: `message` both as the summary and next to `field`."""
        return cls(message, {field: [message]})


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"
