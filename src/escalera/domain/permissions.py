"""Who may do what: roles, actions and the firms each account sees. Pure.

- **admin**: everything, accounts included.
- **program_manager**: every firm and its raw data; orders, matchmaking, imports, programs
  and their evaluations.
- **assessor**: the firms assigned to them (raw data, assessments, inspections); profiles
  and levels of the others like a buyer.
- **producer**: its own firm's raw data; everyone's profile and level; benchmarks only as
  suppressed, anonymised peer groups (what the benchmark service returns anyway).
- **buyer**: profiles and levels, benchmarks, its own orders and their allocations; a
  producer's raw data only when that producer shares it with the buyer's firm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Account roles."""

    ADMIN = "admin"
    PROGRAM_MANAGER = "program_manager"
    ASSESSOR = "assessor"
    PRODUCER = "producer"
    BUYER = "buyer"


class Action(StrEnum):
    """What a request does."""

    READ_PROFILES = "read_profiles"  # firm profiles, levels, gaps, links, catalog
    READ_RAW = "read_raw"  # a firm's assessments, observations and inspections
    READ_BENCHMARKS = "read_benchmarks"
    ASSESS = "assess"  # create and move assessments of a firm
    INSPECT = "inspect"  # record inspections of a firm
    ORDER = "order"  # add orders
    MATCH = "match"  # run and accept allocations
    IMPORT = "import"
    SHARE_DATA = "share_data"  # let a buyer's firm read this firm's raw data
    EVALUATE_PROGRAMS = "evaluate_programs"  # a program's participants, effects, funnel
    MANAGE_PROGRAMS = "manage_programs"  # create programs, admit firms, record activities
    MANAGE_ACCOUNTS = "manage_accounts"
    READ_AUDIT = "read_audit"


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.PROGRAM_MANAGER: frozenset(Action) - {Action.MANAGE_ACCOUNTS},
    Role.ASSESSOR: frozenset({Action.READ_PROFILES, Action.READ_RAW, Action.READ_BENCHMARKS,
                              Action.ASSESS, Action.INSPECT}),
    Role.PRODUCER: frozenset({Action.READ_PROFILES, Action.READ_RAW,
                              Action.READ_BENCHMARKS, Action.SHARE_DATA}),
    Role.BUYER: frozenset({Action.READ_PROFILES, Action.READ_RAW, Action.READ_BENCHMARKS,
                           Action.ORDER}),
}
# Actions about one firm that roles other than admin and program manager may take only on
# their own firm (producer) or their assigned firms (assessor).
FIRM_SCOPED = frozenset({Action.READ_RAW, Action.ASSESS, Action.INSPECT, Action.SHARE_DATA})


@dataclass(frozen=True)
class Principal:
    """The account behind a request."""

    username: str
    role: Role
    firm_id: str | None = None  # producers and buyers speak for one firm
    assigned: frozenset[str] = field(default_factory=frozenset)  # assessors' firms
    shared: frozenset[str] = field(default_factory=frozenset)  # firms sharing with a buyer

    @property
    def unrestricted(self) -> bool:
        """Admins and program managers see every firm's raw data."""
        return self.role in (Role.ADMIN, Role.PROGRAM_MANAGER)


def can(principal: Principal, action: Action, firm_id: str | None = None) -> bool:
    """Whether ``principal`` may take ``action`` (on ``firm_id`` when the action is about
    one firm)."""
    if action not in ROLE_ACTIONS[principal.role]:
        return False
    if action not in FIRM_SCOPED or principal.unrestricted:
        return True
    if firm_id is None:
        return False
    if principal.role is Role.PRODUCER:
        return firm_id == principal.firm_id
    if principal.role is Role.BUYER:
        return firm_id in principal.shared
    return firm_id in principal.assigned


def may_see_order(principal: Principal, buyer_id: str | None) -> bool:
    """Whether an order, and its part of an allocation run, is shown to ``principal``:
    admins and program managers see every order; a buyer its own firm's only."""
    if can(principal, Action.MATCH):
        return True
    return (can(principal, Action.ORDER) and principal.firm_id is not None
            and buyer_id == principal.firm_id)


def may_see_run(principal: Principal, buyer_ids: Iterable[str | None]) -> bool:
    """Whether ``principal`` may see an allocation run whose orders are of ``buyer_ids``:
    admins and program managers any run; a buyer only a run holding one of its own orders,
    and then only those orders and their totals (``sees_whole_run`` is False), never the
    solver's figures, which sum every buyer's orders. A run that exists but is not the
    viewer's is refused (403) by the API and the pages alike."""
    return can(principal, Action.MATCH) or any(may_see_order(principal, b) for b in buyer_ids)


def sees_whole_run(principal: Principal) -> bool:
    """Whether ``principal`` sees every order of a run and the solver's figures."""
    return can(principal, Action.MATCH)
