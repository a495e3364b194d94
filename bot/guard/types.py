"""What the guard reports: frozen values shared by the check, the CLI and the staff console."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import InboundFlag, Rule


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule hit in an outgoing text; `start`/`end` index the original text."""

    rule: Rule
    start: int
    end: int
    fragment: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    text: str
    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def rules(self) -> frozenset[Rule]:
        return frozenset(v.rule for v in self.violations)


@dataclass(frozen=True, slots=True)
class InboundHit:
    """Evidence for one inbound flag: where in the buyer's text it fired."""

    flag: InboundFlag
    start: int
    end: int
    fragment: str


@dataclass(frozen=True, slots=True)
class Request:
    """Evidence that a buyer asks for something substantive (lexicons/requests.yml): `kind` is
    `money`, `defect`, `wrong_item`, `delivery` or `order`. Not an inbound flag (the contract's
    flags are unchanged): it keeps an angry buyer with a real request out of the complaint flow."""

    kind: str
    start: int
    end: int
    fragment: str


@dataclass(frozen=True, slots=True)
class Inspection:
    """Inbound detectors' verdict on one buyer text."""

    text: str
    hits: tuple[InboundHit, ...] = ()
    requests: tuple[Request, ...] = ()
    """What the buyer asks for besides abuse or spam (routing evidence, not a flag)."""

    @property
    def flags(self) -> frozenset[InboundFlag]:
        return frozenset(h.flag for h in self.hits)

    @property
    def request_kinds(self) -> frozenset[str]:
        return frozenset(r.kind for r in self.requests)
