"""One error tree for the whole worker.

    OzonbotError
    ├── ConfigError                  bad or missing configuration (names the variable)
    ├── OzonError                    anything the Ozon Seller API did wrong (carries `method`,
    │   │                            and `problem`, `cause`, `fix` in words for a staff notice)
    │   ├── OzonAuthError            the key is not accepted: 401 / code 16, and Ozon's HTTP 404
    │   │                            code 5 "Invalid Api-Key", "Api-key is deactivated"
    │   ├── OzonPermissionError      the key may not do this: missing role, IP restriction,
    │   │   │                        "403 Offer not signed", other PermissionDenied
    │   │   └── OzonSubscriptionError  "not available with existing subscription" (403 code 7)
    │   │                            or PermissionDenied on a Premium method: drafts, not retries
    │   ├── OzonNotFoundError        404 / code 5 that really means an unknown chat, posting
    │   ├── OzonBadRequestError      400 / code 3: our request broke a rule (text too long, ...)
    │   ├── OzonRateLimitError       429 / code 8 (carries `retry_after` seconds)
    │   ├── OzonServerError          5xx (carries `status`)
    │   ├── OzonMalformedError       the body is not what the schema promises
    │   ├── OzonTimeoutError         no answer in time (a read may be retried)
    │   └── OzonUnknownOutcomeError  a write that may or may not have happened:
    │                                never retried blindly, reconcile against chat history
    ├── RasaError                    the Rasa server (carries `status`)
    │   ├── RasaUnavailableError     refused, timed out, 5xx
    │   └── RasaMalformedError       an answer we cannot parse
    ├── GuardError                   the outbound check refused a text (carries `violations`)
    ├── KnowledgeError               a knowledge snippet file or a rendering is wrong (names the
    │                                file and the key)
    ├── StateError                   Redis unreachable or timed out (the work waits, retried)
    │   └── StateLostError           a structure Redis held is gone (a flush, a failover to an
    │                                empty replica): the store that found it re-created it; the
    │                                caller logs and counts the loss (carries `structure`)
    ├── StateDataError               Redis refused a command: a damaged key or a bug, not an
    │                                outage; the chat goes to people instead of waiting forever
    ├── LostLockError                the chat's lock (its fencing token) is no longer ours:
    │                                drop the turn before any further effect
    ├── DependencyDownError          Rasa, the action server or Ozon cannot serve a turn now
    │                                (carries `service` and `retry_after`): the turn waits
    ├── PausedByPeople               Rasa has the conversation paused and the worker's state does
    │                                not know why (its record was lost): the turn goes to people
    ├── UnknownEscalationError       a staff action names an escalation that does not exist
    │                                (also a LookupError)
    ├── CommandUsageError            a staff command's arguments cannot be read: the answer is
    │                                its usage line (also a ValueError)
    ├── ReviewError                  a review or NLU training file `ozonbot review` cannot use
    │                                (names the file)
    ├── ScenarioError                an `ozonbot simulate` scenario file cannot be used
    ├── SeedError                    a scenario's `postings`/`products`/`returns` do not describe
    │                                what the emulator needs (also a ValueError)
    ├── ServiceError                 `ozonbot services` cannot find or start a local service
    ├── TranslateError               the machine translation engine did not translate (carries
    │   │                            `status` when it answered over HTTP); staff see "translation
    │   │                            unavailable", nothing else waits for it
    │   ├── TranslateUnavailableError  refused, timed out, 429 or 5xx, or translation is off
    │   ├── TranslateRejectedError   the engine refused this request (400, 403 bad key, an
    │   │                            unsupported language): the same request fails again
    │   └── TranslateMalformedError  an answer that is not `{"translatedText": "..."}`
    └── TelegramDeliveryError        the Bot API did not take a staff notification (retried;
        │                            carries `retry_after` when Telegram said how long to wait)
        ├── TelegramRejectedError    the Bot API refused this very request (400): retrying the
        │                            same request cannot help
        └── TelegramForbiddenError   the bot cannot write to this chat at all (403 kicked, 400
                                     chat not found, no rights, migrated): carries `chat_id`;
                                     that chat is parked, the other chats go on

Two exceptions live outside the tree on purpose, because neither reaches a caller: the
emulator's `Refusal` (bot/sandbox/state.py) is Ozon's side of the wire, turned into an HTTP
error answer; the client's `_AttemptFailed` carries one attempt's `OzonError` inside
`OzonClient`, which re-raises that error.

Third-party exceptions are mapped at the boundary with `raise ... from exc`; nothing below
turns a failure into `None`, `{}` or a default intent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.guard.types import Violation


class OzonbotError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(OzonbotError):
    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class OzonError(OzonbotError):
    retryable = False
    outcome_unknown = False
    """A write that may have reached Ozon: reconcile against the chat history, never resend."""

    def __init__(
        self,
        method: str,
        message: str,
        *,
        status: int | None = None,
        problem: str = "",
        cause: str = "",
        fix: str = "",
    ) -> None:
        where = f"{method} (HTTP {status})" if status is not None else method
        super().__init__(f"{where}: {message}")
        self.method = method
        self.message = message
        self.status = status
        self.problem = problem
        """A short stable label (`invalid_key`, `subscription`, ...) for metrics and state."""
        self.cause = cause
        """What went wrong, in words a shop's staff understand."""
        self.fix = fix
        """What a person must do about it; empty when nothing but waiting helps."""


class OzonAuthError(OzonError):
    pass


class OzonPermissionError(OzonError):
    pass


class OzonSubscriptionError(OzonPermissionError):
    """The shop's subscription does not cover the method (chat writes need Premium Plus or
    Premium Pro): switch the shop to drafts and re-probe slowly; never retry a buyer's turn."""


class OzonNotFoundError(OzonError):
    pass


class OzonBadRequestError(OzonError):
    pass


class OzonRateLimitError(OzonError):
    retryable = True

    def __init__(
        self,
        method: str,
        message: str,
        *,
        retry_after: float,
        status: int = 429,
        asked_s: float | None = None,
    ) -> None:
        super().__init__(method, message, status=status, problem="rate_limit")
        self.retry_after = retry_after
        """Seconds to wait, already capped (bot.ozon.failures.MAX_RETRY_AFTER_S)."""
        self.asked_s = asked_s
        """What Ozon's Retry-After asked for when it was cut down or unreadable, else None."""


class OzonServerError(OzonError):
    retryable = True


class OzonMalformedError(OzonError):
    retryable = True


class OzonTimeoutError(OzonError):
    retryable = True


class OzonUnknownOutcomeError(OzonError):
    """The request may have reached Ozon: the caller reconciles, it does not resend."""

    outcome_unknown = True


class RasaError(OzonbotError):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message if status is None else f"{message} (HTTP {status})")
        self.status = status


class RasaUnavailableError(RasaError):
    pass


class RasaMalformedError(RasaError):
    pass


class GuardError(OzonbotError):
    """An outgoing text broke Ozon's rules and was not sent."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        rules = ", ".join(sorted({v.rule.value for v in violations}))
        super().__init__(f"outgoing text violates: {rules}")
        self.violations = tuple(violations)


class StateError(OzonbotError):
    """Redis is unreachable or timed out: nothing is lost, the work waits and retries."""


class StateLostError(StateError):
    """Redis no longer holds `structure` (data loss); it was re-created, what it held is gone."""

    def __init__(self, structure: str, message: str) -> None:
        super().__init__(f"{structure}: {message}")
        self.structure = structure


class StateDataError(OzonbotError):
    """Redis refused a command (wrong type, script error): retrying the same step cannot help."""


class LostLockError(OzonbotError):
    """The chat lock expired and someone else owns the chat now: drop the work, do not commit."""


class DependencyDownError(OzonbotError):
    """Rasa, the action server or Ozon cannot serve the turn now: it waits and is retried.

    `retry_after` is a hint from the service (Ozon's capped Retry-After), else None."""

    retryable = True

    def __init__(
        self, service: str, cause: BaseException | str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{service} unavailable: {cause}")
        self.service = service
        self.retry_after = retry_after


class ReviewError(OzonbotError):
    """A review export/import file or an NLU data file is unreadable or has the wrong shape."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class KnowledgeError(OzonbotError):
    """A knowledge snippet is missing, malformed, or lacks a placeholder value."""

    def __init__(self, message: str, *, key: str | None = None, path: str | None = None) -> None:
        where = " ".join(part for part in (path, f"[{key}]" if key else None) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.key = key
        self.path = path


class TranslateError(OzonbotError):
    """The translation engine (bot/translate) gave no translation; callers show that, never
    guess one. The message never quotes the text that was to be translated."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message if status is None else f"{message} (HTTP {status})")
        self.status = status


class TranslateUnavailableError(TranslateError):
    """Down, slow, overloaded or switched off: a later try may work."""


class TranslateRejectedError(TranslateError):
    """The engine refused the request itself (bad key, unsupported language pair)."""


class TranslateMalformedError(TranslateError):
    """The engine answered something that is not a translation."""


class TelegramDeliveryError(OzonbotError):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TelegramRejectedError(TelegramDeliveryError):
    """Telegram answered 400 to this request; the caller skips it instead of retrying forever."""


class TelegramForbiddenError(TelegramDeliveryError):
    """Telegram takes nothing for `chat_id` until people fix it (add the bot back, correct the
    chat id, grant the right to post); other chats are not affected."""

    def __init__(self, message: str, *, chat_id: int) -> None:
        super().__init__(message)
        self.chat_id = chat_id


class PausedByPeople(OzonbotError):
    """Rasa has a conversation paused that the worker's state does not know of."""


class UnknownEscalationError(OzonbotError, LookupError):
    """A staff action names an escalation id that Redis does not hold."""


class CommandUsageError(OzonbotError, ValueError):
    """A command's arguments cannot be read (the answer is the usage line)."""


class ScenarioError(OzonbotError):
    """An `ozonbot simulate` scenario file that cannot be used (names the file)."""


class SeedError(OzonbotError, ValueError):
    """A scenario's `postings`/`products`/`returns` do not describe what the emulator needs."""


class ServiceError(OzonbotError):
    """`ozonbot services` cannot find or start a local service (Redis, Rasa, actions)."""
