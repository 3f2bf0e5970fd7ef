"""One exception root, with a class per kind of failure a user can cause.

Interfaces map each class to an exit code (CLI) or an HTTP status (web) in one place; nothing
below them prints or exits. Every message is one line that says what went wrong and where.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def printable(text: str) -> str:
    """`text` with every unprintable character (newlines, lone surrogates) escaped, so that a
    name from a file or a command line can neither forge a second line nor fail to print."""
    return "".join(
        c if c.isprintable() and not "\ud800" <= c <= "\udfff" else repr(c)[1:-1] for c in text
    )


class CeopWorkflowError(Exception):
    """Something ceop-workflow refuses to do, explained in one line."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(CeopWorkflowError):
    """The request itself is malformed: a missing field, a value of the wrong type."""

    exit_code = 2
    http_status = 422


class NotFound(BadInput):
    """The request names a partner, partnership, workflow or message that does not exist."""

    http_status = 404


class ConfigError(BadInput):
    """Settings in config.toml or the environment that are missing or have bad values.

    Given one message or every problem found at once (one line each, like `DefinitionError`).
    """

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class DefinitionError(BadInput):
    """One or more problems in a workflow definition file; all of a file's problems at once."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class MissingData(BadInput):
    """A transition needs data that was not given, or was given in the wrong form."""


class Refused(CeopWorkflowError):
    """A well-formed request that the rules do not allow now."""

    exit_code = 3
    http_status = 409


class UnknownTrigger(Refused):
    """The trigger is not part of the partnership's workflow at all."""

    http_status = 400

    def __init__(self, trigger: str, workflow: str, known: Iterable[str]) -> None:
        self.trigger = trigger
        super().__init__(
            f"unknown trigger {trigger!r} in workflow {workflow!r}; "
            f"its triggers are: {', '.join(sorted(known))}"
        )


class NotAllowed(Refused):
    """The trigger exists but cannot fire from the partnership's current state."""

    def __init__(self, trigger: str, state: str, allowed: Iterable[str]) -> None:
        self.trigger = trigger
        self.state = state
        self.allowed = sorted(allowed)
        choices = ", ".join(self.allowed) if self.allowed else "none (the state is final)"
        super().__init__(
            f"trigger {trigger!r} is not allowed from state {state!r}; allowed here: {choices}"
        )


class GuardFailed(Refused):
    """A rule of the strategy (a guard) holds the transition back."""

    def __init__(self, guard: str, reason: str) -> None:
        self.guard = guard
        self.reason = reason
        super().__init__(f"guard {guard!r} failed: {reason}")


class NotPermitted(Refused):
    """The actor does not hold a role that may fire this trigger."""

    http_status = 403


class Conflict(Refused):
    """Someone else changed the partnership after it was loaded."""


class StorageError(CeopWorkflowError):
    """The database cannot be reached, is not initialised, or failed underneath us."""

    exit_code = 4
    http_status = 503
