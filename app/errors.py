"""Domain errors raised by services; the HTTP layer maps each to its status code."""

from __future__ import annotations


class VigieError(Exception):
    """Base of the errors a caller can act on; never a 500."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Unauthenticated(VigieError):
    """No identity, or one we cannot verify."""

    status_code = 401
    code = "unauthenticated"


class Forbidden(VigieError):
    """A known identity asking for what it may not do."""

    status_code = 403
    code = "forbidden"


class NotFound(VigieError):
    """The thing named does not exist (or is outside the caller's scope)."""

    status_code = 404
    code = "not_found"


class Conflict(VigieError):
    """The request contradicts what is already stored."""

    status_code = 409
    code = "conflict"


class Invalid(VigieError):
    """Well-formed but semantically unacceptable input."""

    status_code = 422
    code = "invalid"


class TooLarge(VigieError):
    """The request is larger than allowed."""

    status_code = 413
    code = "too_large"


class Unavailable(VigieError):
    """A service vigie depends on (an identity provider, a store) cannot be reached now."""

    status_code = 503
    code = "unavailable"
