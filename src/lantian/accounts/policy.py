"""权限策略 — who may do what, in one place (issue 23 §1; issue 21 §1).

Every role set is named here once, and one function answers "may this principal do this action
(read, write, approve) on this record" — the role's right to act in the room *and* the record's
scope (its county/zone, enterprise, department). :mod:`lantian.accounts.scope` turns a principal
into what it may see; this module says what it may do.

- ``read``: see the room's records (still confined to the caller's scope);
- ``write``: enter or change records — reports, acknowledgements, findings, files, imports;
- ``approve``: the office's acts — issue, lift, review, decide, set targets and networks.

The web app asks :func:`allows` for every write route before the request body is even read
(:data:`ROUTES` names each route's room and action; a route not named there is refused to the
read-only roles), and the services and the evidence routes ask :func:`may` with the record — every
room's service takes the caller's Scope (the route's, or the CLI's ``--as``, the office's without it):
:func:`readable` filters what it lists, :func:`require` refuses a write (Forbidden → 403 / the CLI's
error), :func:`require_whole_city` hides the lists that name every enterprise (NotFound → 404).
``docs/access.md`` is :func:`access_table` printed (``lantian access table``); a test keeps it so.
"""
from __future__ import annotations

from dataclasses import dataclass

from lantian.accounts.models import ROLE_NAMES, ROLES
from lantian.errors import Forbidden, NotFound

# --------------------------------------------------------------------------- role sets (named once)
#: the city office (市大气办) and the system's admins: they manage every room
OFFICE = frozenset({"admin", "city"})
#: read every record of the city, never narrowed (the office, inspectors, read-only viewers)
READ_ALL = OFFICE | {"inspector", "viewer"}
#: confined to no county: READ_ALL and the city's departments (narrowed per room to their tasks)
CITY_WIDE = READ_ALL | {"department"}
#: the audit log: the office only
AUDIT_READERS = OFFICE
#: every role
EVERYONE = frozenset(ROLES)
#: county-bound roles (their scope is one county or zone)
COUNTY_BOUND = frozenset({"county", "enterprise"})
#: a read-only role never writes anywhere, whatever a new route forgets to say …
READ_ONLY = frozenset({"viewer"})
#: … but its own things: its inbox, its subscriptions, signing out
SELF_ROOMS = frozenset({"inbox"})

ACTIONS = ("read", "write", "approve")
ACTION_NAMES = {"read": "查看", "write": "填报/办理", "approve": "审核/下达"}


@dataclass(frozen=True)
class Room:
    name: str                    # Chinese, as the pages say it
    read: frozenset
    write: frozenset
    approve: frozenset

    def roles(self, action: str) -> frozenset:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
        return getattr(self, action)


#: room → who may read, write, approve there (before the record's scope narrows it)
ROOMS: dict[str, Room] = {
    "monitoring": Room("监测与站点", EVERYONE, OFFICE | {"county"}, OFFICE),
    "assessment": Room("考核排名与目标", EVERYONE, OFFICE, OFFICE),
    "letters": Room("警示函与约谈", CITY_WIDE | {"county"}, OFFICE | {"county"}, OFFICE),
    "plan": Room("行动计划与调度", EVERYONE, OFFICE | {"department", "county", "enterprise"}, OFFICE),
    "enterprises": Room("企业台账与绩效分级", EVERYONE, OFFICE | {"enterprise"}, OFFICE | {"county"}),
    "emergency": Room("重污染应急与错峰", EVERYONE,
                      OFFICE | {"county", "enterprise", "department", "inspector"}, OFFICE),
    "dustfall": Room("降尘", EVERYONE, OFFICE, OFFICE),
    "fires": Room("秸秆焚烧火点", EVERYONE - {"enterprise"}, OFFICE | {"county", "inspector"}, OFFICE),
    "vehicles": Room("车辆与门禁", EVERYONE, OFFICE | {"county", "inspector", "enterprise"}, OFFICE),
    "registers": Room("专项台账", EVERYONE, OFFICE | {"department", "county"}, OFFICE),
    "reports": Room("通报与报告", CITY_WIDE, OFFICE, OFFICE),
    "inventory": Room("排放清单", EVERYONE, OFFICE, OFFICE),
    "apportionment": Room("源解析", CITY_WIDE, OFFICE, OFFICE),
    "live": Room("实时接入", EVERYONE, OFFICE, OFFICE),
    "evidence": Room("证据附件", EVERYONE, OFFICE | {"county", "inspector"}, frozenset()),
    "inbox": Room("站内信与订阅（本人）", EVERYONE, EVERYONE, frozenset()),
    "audit": Room("审计日志", AUDIT_READERS, frozenset(), frozenset()),
    "accounts": Room("账户与令牌", frozenset({"admin"}), frozenset({"admin"}), frozenset({"admin"})),
}

#: the records evidence files attach to (``POST /api/attachments``: entity → the room it belongs to);
#: a file is attached by whoever may write that record
EVIDENCE_ROOMS = {"station": "monitoring", "letter": "letters", "fire_case": "fires", "plan_report": "plan",
                  "grade_application": "enterprises", "register_row": "registers"}

#: a warning letter's steps (警示函): the office issues it, the addressed county receives it and reports
#: its rectification
LETTER_STEPS = {"issued": OFFICE, "received": frozenset({"county"}), "rectified": frozenset({"county"})}

#: lists that name every enterprise of the city (the reduction list, a warning's notice, an episode's
#: review): read by the roles confined to no county only — for the others they do not exist
WHOLE_CITY_LISTS = CITY_WIDE

#: rooms where an enterprise reads its county's records (its county's air, its county's warnings)
ENTERPRISE_READS_COUNTY = frozenset({"monitoring", "emergency", "assessment"})

#: (method, path) of every write route → (room, action). Sign-in routes are ``public``.
ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/login"): ("public", "write"),
    ("POST", "/api/auth/token"): ("public", "write"),
    ("POST", "/logout"): ("inbox", "write"),
    ("POST", "/api/attachments"): ("evidence", "write"),
    ("POST", "/api/stations/{code}/network"): ("monitoring", "approve"),
    ("POST", "/assessment/letters/{letter_id}/advance"): ("letters", "write"),
    ("POST", "/api/targets/import"): ("assessment", "approve"),
    ("POST", "/api/plan/tasks/{task_id}/reports"): ("plan", "write"),
    ("POST", "/api/plan/tasks/{task_id}/milestones"): ("plan", "approve"),
    ("POST", "/plan/tasks/{task_id}/milestones"): ("plan", "approve"),
    ("POST", "/plan/tasks/{task_id}/units"): ("plan", "approve"),
    ("POST", "/plan/tasks/{task_id}/supervise"): ("plan", "approve"),
    ("POST", "/api/ledger/import"): ("enterprises", "approve"),
    ("POST", "/api/enterprises/{enterprise_id}/facilities"): ("enterprises", "write"),
    ("POST", "/api/ledger-changes/{change_id}/review"): ("enterprises", "approve"),
    ("POST", "/api/enterprises/{enterprise_id}/grade-applications"): ("enterprises", "write"),
    ("POST", "/api/grade-applications/{application_id}/review"): ("enterprises", "approve"),
    ("POST", "/api/grade-applications/{application_id}/decide"): ("enterprises", "approve"),
    ("POST", "/api/alerts"): ("emergency", "approve"),
    ("POST", "/api/alerts/{alert_id}/ack"): ("emergency", "write"),
    ("POST", "/api/alerts/{alert_id}/lift"): ("emergency", "approve"),
    ("POST", "/api/alerts/{alert_id}/verify"): ("emergency", "approve"),
    ("POST", "/api/staggered"): ("emergency", "approve"),
    ("POST", "/api/staggered/{calendar_id}/{action}"): ("emergency", "write"),
    ("POST", "/api/reduction/import"): ("emergency", "write"),
    ("POST", "/api/reduction/proposals/{proposal_id}/{decision}"): ("emergency", "approve"),
    ("POST", "/api/reduction/totals"): ("emergency", "approve"),
    ("POST", "/api/ozone-responses"): ("emergency", "approve"),
    ("POST", "/api/ozone-responses/{response_id}/ack"): ("emergency", "write"),
    ("POST", "/api/ozone-responses/{response_id}/lift"): ("emergency", "approve"),
    ("POST", "/api/ozone-responses/{response_id}/measures/{measure_id}/verify"): ("emergency", "write"),
    ("POST", "/api/fires/{case_id}/finding"): ("fires", "write"),
    ("POST", "/api/fires/reports"): ("fires", "write"),
    ("POST", "/api/fires/figures"): ("fires", "write"),
    ("POST", "/api/fires/calendar"): ("fires", "write"),
    ("POST", "/api/gates/records"): ("vehicles", "write"),
    ("POST", "/api/gates/violations/{record_id}/resolve"): ("vehicles", "write"),
    ("POST", "/api/registers/{register}/import"): ("registers", "write"),
    ("POST", "/api/registers/{register}/{row_id}/attachments"): ("registers", "write"),
    ("POST", "/inventory/build"): ("inventory", "approve"),
    ("POST", "/api/apportionment/runs/{run_id}/factors/{factor}"): ("apportionment", "write"),
    ("POST", "/api/live/devices"): ("live", "write"),
    ("POST", "/api/live/quarantine/assign"): ("live", "write"),
    ("POST", "/api/live/quarantine/dismiss"): ("live", "write"),
    ("POST", "/api/live/jobs/{job}/run"): ("live", "write"),
    ("POST", "/api/live/inbox/read"): ("inbox", "write"),
    ("POST", "/api/live/subscriptions"): ("inbox", "write"),
    ("POST", "/api/live/subscriptions/{subscription_id}/delete"): ("inbox", "write"),
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Record:
    """What scope a record carries: its county/zone, its enterprise, its department (any may be None)."""
    unit: str | None = None
    enterprise_id: int | None = None
    department_code: str | None = None


def allows(role: str, action: str, room: str) -> bool:
    """The role's right to act in the room at all (before any record's scope)."""
    if room == "public":
        return True
    if action != "read" and role in READ_ONLY and room not in SELF_ROOMS:
        return False
    return role in ROOMS[room].roles(action)


def may(scope, action: str, room: str, record: Record | None = None) -> bool:
    """May the principal of ``scope`` (a :class:`~lantian.accounts.scope.Scope`: ``who`` and ``unit``)
    do ``action`` in ``room`` on ``record``? The role's right, then the record's scope:
    the office and the city-wide readers act city-wide; a department on records of its own
    department (and reads the rest); a county on records of its county or zone; an enterprise on
    its own records (and reads its county's air and warnings)."""
    who = scope.who
    if not allows(who.role, action, room):
        return False
    if record is None or who.role in READ_ALL:
        return True
    if who.role == "department":
        if record.department_code is not None:
            return record.department_code == who.department_code
        return action == "read"
    if who.role == "county":
        return record.unit is not None and record.unit == scope.unit
    if who.role == "enterprise":
        if record.enterprise_id is not None:
            return record.enterprise_id == who.enterprise_id
        return action == "read" and room in ENTERPRISE_READS_COUNTY and record.unit is not None \
            and record.unit == scope.unit
    return False


def require(scope, action: str, room: str, record: Record | None = None, refusal: str | None = None) -> None:
    """Every service's write check: :func:`may`, or :class:`~lantian.errors.Forbidden` (the route's 403,
    the CLI's error) with ``refusal`` — the room's own words — or the policy's."""
    if not may(scope, action, room, record):
        role = scope.who.role
        raise Forbidden(refusal or f"{ROLE_NAMES.get(role, role)}无权对「{ROOMS[room].name}」的此记录{ACTION_NAMES[action]} "
                                   f"(role {role!r} may not {action} this record in {room})")


def readable(scope, room: str, rows, record_of) -> list:
    """The rows the principal may read in ``room`` (``record_of(row)`` → its :class:`Record`): every
    service's read filter, so that no route filters by hand."""
    return [r for r in rows if may(scope, "read", room, record_of(r))]


def require_whole_city(scope, what: str = "no such record") -> None:
    """A list of :data:`WHOLE_CITY_LISTS`: outside those roles it does not exist (NotFound, 404)."""
    if not sees_whole_city(scope):
        raise NotFound(what)


def sees_whole_city(scope) -> bool:
    return scope.who.role in WHOLE_CITY_LISTS


def route_rule(method: str, path: str) -> tuple[str, str] | None:
    """(room, action) of a write route, or None when the route is not in :data:`ROUTES`."""
    return ROUTES.get((method.upper(), path))


def undeclared(routes) -> list[str]:
    """Write routes of an app that :data:`ROUTES` does not name (each must be)."""
    out = []
    for r in routes:
        for m in sorted((getattr(r, "methods", None) or set()) & WRITE_METHODS):
            if route_rule(m, r.path) is None:
                out.append(f"{m} {r.path}")
    return out


# --------------------------------------------------------------------------- the documented table
def access_table() -> str:
    """``docs/access.md``: role × room × action, generated from :data:`ROOMS` (a test compares)."""
    roles = list(ROLES)
    lines = ["# 权限表 — who may do what (generated)", "",
             "Generated from `src/lantian/accounts/policy.py` by `lantian access table`; "
             "`tests/web/test_policy.py` checks this file equals the generated text and that every write "
             "route asks the policy. 查 = read, 办 = write (填报/办理), 审 = approve (审核/下达). "
             "A mark means the role may act in the room; the record's scope then narrows it — a county "
             "to its county or zone, an enterprise to itself (and its county's air and warnings), a "
             "department to its own tasks and registers.", "",
             "| 房间 room | " + " | ".join(f"{ROLE_NAMES[r]} {r}" for r in roles) + " |",
             "|---|" + "---|" * len(roles)]
    marks = {"read": "查", "write": "办", "approve": "审"}
    for key, room in ROOMS.items():
        cells = ["".join(marks[a] for a in ACTIONS if allows(r, a, key)) or "—" for r in roles]
        lines.append(f"| {room.name} `{key}` | " + " | ".join(cells) + " |")
    lines += ["", "## Write routes", "", "| route | room | action |", "|---|---|---|"]
    for (method, path), (room, action) in sorted(ROUTES.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(f"| `{method} {path}` | {room} | {action} |")
    return "\n".join(lines) + "\n"
