"""Who may see and change which ledger.

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


def manages(scope: Scope) -> bool:
    return scope.who.role in MANAGE


def sees(scope: Scope, enterprise) -> bool:
    """``enterprise`` has ``id`` and ``county_code``."""
    role = scope.who.role
    if role in READ_ALL:
        return True
    if role == "county":
        return enterprise.county_code == scope.unit
    if role == "enterprise":
        return enterprise.id == scope.who.enterprise_id
    return False


def reviews(scope: Scope, enterprise) -> bool:
    """The county of the enterprise (or the office) reviews its applications and edits."""
    return manages(scope) or (scope.who.role == "county" and enterprise.county_code == scope.unit)


def is_owner(scope: Scope, enterprise) -> bool:
    return scope.who.role == "enterprise" and enterprise.id == scope.who.enterprise_id
