"""Errors: every answer of the service that is not a success becomes an ``ApiError`` carrying
the service's JSON body (``{"error": {"status", "message", ...}}``)."""


class TransportError(Exception):
    """The service could not be reached, or the connection broke, after every retry."""


class ApiError(Exception):
    """An error answer from the service.

    Attributes:
        status: the HTTP status.
        message: the service's message, which names what is wrong.
        body: the whole JSON body as sent (``{"error": {...}}``), or None if it was not JSON.
        issues: every field error of a 400, as ``[{"path", "message"}]`` (empty otherwise).
        expected_step: on a 409 to a losses post, the step the run expects next.
    """

    def __init__(self, status, message, body=None):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.body = body
        error = body.get("error", {}) if isinstance(body, dict) else {}
        self.issues = error.get("issues", [])
        self.expected_step = error.get("expectedStep")


class BadRequest(ApiError):
    """400: the request is invalid; ``issues`` lists every field error."""


class Unauthorized(ApiError):
    """401: the service runs with ADALRS_TOKEN and this write had no valid bearer token."""


class NotFound(ApiError):
    """404: unknown run (or route)."""


class Conflict(ApiError):
    """409: the run's state refuses this request (a step gap, an ended run, ...)."""


class PayloadTooLarge(ApiError):
    """413: the body is over the service's limit."""


class ServiceUnavailable(ApiError):
    """503: the service's store stayed busy; nothing was written."""


_BY_STATUS = {
    400: BadRequest,
    401: Unauthorized,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    503: ServiceUnavailable,
}


def error_for(status, body):
    """The exception for an error answer: its class follows the status."""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return _BY_STATUS.get(status, ApiError)(status, message or f"HTTP {status}", body)
