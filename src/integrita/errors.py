"""The project's exception types.

Every error a person can see derives from :class:`IntegritaError` and says what
went wrong in words an operator understands, naming the row, field or record.
Entry points (CLI, API, pages) translate these into exit codes and HTTP answers.
"""

from __future__ import annotations


class IntegritaError(Exception):
    """Base of every error integrita raises on purpose."""

    exit_code = 1
    http_status = 500


class ConfigurationError(IntegritaError):
    """A setting is missing or has a value integrita cannot use."""

    exit_code = 78


class InputError(IntegritaError):
    """Input from a person or a system is malformed; names the field or row."""

    exit_code = 65
    http_status = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(IntegritaError):
    """A record that was asked for does not exist."""

    exit_code = 66
    http_status = 404


class ConflictError(IntegritaError):
    """The request contradicts what is already stored (e.g. a different payload for a known key)."""

    http_status = 409


class DuplicateKeyError(ConflictError):
    """A concurrent transaction stored a row with the same natural key first; retrying the
    whole unit of work sees that row and does the right thing."""


class PermissionDeniedError(IntegritaError):
    """The actor's role does not allow this action."""

    exit_code = 77
    http_status = 403


class AuthenticationError(IntegritaError):
    """The actor could not be identified (bad password, unknown token, expired session)."""

    exit_code = 77
    http_status = 401


class DatabaseBusyError(IntegritaError):
    """Another writer held the database (SQLite's single write lock) longer than we wait;
    nothing was written, and the same request can be sent again shortly."""

    exit_code = 75  # EX_TEMPFAIL
    http_status = 503
    retry_after_seconds = 5


class StateTransitionError(IntegritaError):
    """A state machine refused a transition (wrong state, four-eyes, missing data)."""

    http_status = 409


class StaleVersionError(StateTransitionError):
    """An approval named a version of the record that is no longer the current one."""


class ReconciliationError(IntegritaError):
    """Counts did not balance: rows read != stored + duplicates + quarantined."""

    exit_code = 70
