"""Who may see and change which ledger — the room's questions put to :mod:`lantian.accounts.policy`
(room ``enterprises``; a ledger's record is its county and the enterprise itself).

- the city office and admins: every ledger; they import, edit directly and decide grades;
- inspectors, viewers and departments: read every ledger;
- a county: the enterprises of its county; it reviews their grade applications and approves their
  ledger edits;
- an enterprise: its own ledger; its edits wait for its county's approval.
"""
from __future__ import annotations

from lantian.accounts import policy
from lantian.accounts.scope import Scope

MANAGE = policy.OFFICE
READ_ALL = policy.CITY_WIDE


def record(enterprise) -> policy.Record:
    """A ledger's scope: ``enterprise`` has ``id`` and ``county_code``."""
    return policy.Record(unit=enterprise.county_code, enterprise_id=enterprise.id)


def manages(scope: Scope) -> bool:
    """The office's acts on the ledgers (import, direct edits, the grade decided)."""
    return scope.who.role in MANAGE


def sees(scope: Scope, enterprise) -> bool:
    """The city-wide readers every ledger, a county its county's, an enterprise its own."""
    return policy.may(scope, "read", "enterprises", record(enterprise))


def sees_unit(scope: Scope, county_code: str | None) -> bool:
    """A county-level record of the room (a cluster, 产业集群): the city-wide readers and its county."""
    return policy.may(scope, "read", "enterprises", policy.Record(unit=county_code))


def reviews(scope: Scope, enterprise) -> bool:
    """The county of the enterprise (or the office) reviews its applications and edits (``approve``)."""
    return policy.may(scope, "approve", "enterprises", policy.Record(unit=enterprise.county_code))


def is_owner(scope: Scope, enterprise) -> bool:
    """The enterprise itself (its own ledger, ``write``)."""
    return scope.who.role == "enterprise" and policy.may(scope, "write", "enterprises", record(enterprise))
