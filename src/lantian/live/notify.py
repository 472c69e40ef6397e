"""People are told: events, who hears about them, and every delivery with its result.

An event (:class:`~lantian.live.models.Event`) is raised once (its ``key``) by a job or by a change
the audit log records (a warning issued, a letter issued, a 督办函 sent …). Who hears about it is
decided per user, by scope: the city-wide roles hear everything; a county hears about its own county
(and the warnings, which concern everyone); a department about what is addressed to it; an
enterprise about itself. Each user chooses per kind of event and channel:

- ``inbox`` — in the app (on for every kind unless switched off);
- ``email`` — over SMTP (``[notify.smtp]`` in lantian.toml; the password from an environment variable);
- ``wecom`` — a 企业微信 group robot webhook (``{"msgtype": "markdown", "markdown": {"content": …}}``);
- ``dingtalk`` — a 钉钉 group robot webhook, signed when a secret is given (加签: ``timestamp`` in ms and
  ``sign`` = urlencode(base64(HMAC-SHA256(secret, "timestamp\\nsecret"))) added to the URL).

Every delivery is a row: pending, sent, or failed with the error; a failed one is retried after
1, 5, 15, 60 minutes (⚠ ``[notify] retry_minutes``) until it is sent or given up (status failed).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import smtplib
import time
import urllib.parse
from dataclasses import dataclass, field
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lantian.accounts import policy
from lantian.accounts.models import User
from lantian.db import now_utc, to_beijing
from lantian.errors import NotFound, UsageError
from lantian.live.models import Delivery, Event, Subscription
from lantian.workspace import check_keys

#: event kinds and their Chinese names
KINDS = {
    "aqi_above": "站点小时AQI超过阈值", "daily_report": "空气质量日报",
    "fire_escalated": "火点逾期未核查（已升级）", "milestone_overdue": "任务节点逾期", "milestone_due": "任务节点临期",
    "device_silent": "在线监测设备离线", "emission_above": "企业排放超标", "suggested_level": "预报建议预警级别",
    "alert_issued": "重污染天气预警发布", "alert_updated": "重污染天气预警调整", "alert_lifted": "重污染天气预警解除",
    "ozone_issued": "臭氧污染应急响应启动", "ozone_lifted": "臭氧污染应急响应解除",
    "letter_issued": "预警通知函印发", "supervision": "督办函", "job_failed": "定时任务失败",
}
#: kinds every user in scope hears about (they concern the whole city)
BROADCAST = {"alert_issued", "alert_updated", "alert_lifted", "ozone_issued", "ozone_lifted"}
CITY_WIDE = policy.READ_ALL
CHANNELS = {"inbox": "站内信", "email": "电子邮件", "wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人"}
RETRY_MINUTES = (1, 5, 15, 60)          # ⚠ then given up


@dataclass(frozen=True)
class SMTPSettings:
    host: str | None = None
    port: int = 25
    sender: str = "lantian@localhost"
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None      # the name of an environment variable holding the password
    timeout: float = 10.0


@dataclass(frozen=True)
class NotifySettings:
    smtp: SMTPSettings = field(default_factory=SMTPSettings)
    retry_minutes: tuple[int, ...] = RETRY_MINUTES
    base_url: str = ""                   # links in e-mails and robots: http://…:8000
    timeout: float = 10.0


def notify_settings(config: dict | None, source: str = "lantian.toml") -> NotifySettings:
    section = dict((config or {}).get("notify", {}))
    smtp = section.pop("smtp", {})
    check_keys(section, {"retry_minutes", "base_url", "timeout"}, "notify", source)
    check_keys(smtp, {"host", "port", "sender", "starttls", "username", "password_env", "timeout"}, "notify.smtp",
               source)
    return NotifySettings(SMTPSettings(**smtp), tuple(section.get("retry_minutes", RETRY_MINUTES)),
                          section.get("base_url", ""), float(section.get("timeout", 10.0)))


# --------------------------------------------------------------------------- who hears
def hears(user: User, e: Event) -> bool:
    """Whether ``user`` may hear about ``e`` (its scope, as the pages decide)."""
    if not user.active:
        return False
    if user.role in CITY_WIDE:
        return True
    if e.kind in BROADCAST:
        return True
    if user.role == "county":
        return e.unit_code is not None and e.unit_code == user.county_code
    if user.role == "department":
        return e.department_code is not None and e.department_code == user.department_code
    if user.role == "enterprise":
        return e.enterprise_id is not None and e.enterprise_id == user.enterprise_id
    return False


def _channels(subs: list[Subscription], kind: str) -> list[Subscription | str]:
    """The channels a user's subscriptions choose for ``kind``: the inbox unless switched off, and each
    active e-mail or robot subscription of the kind (or of every kind, ``*``)."""
    mine = [x for x in subs if x.kind in (kind, "*")]
    inbox_off = any(x.channel == "inbox" and not x.active for x in mine)
    out: list = [] if inbox_off else ["inbox"]
    out += [x for x in mine if x.channel != "inbox" and x.active]
    return out


def emit(s: Session, kind: str, key: str, title: str, body: str, *, unit: str | None = None,
         department: str | None = None, enterprise: int | None = None, link: str | None = None,
         data: dict | None = None) -> Event | None:
    """Raise an event once (a second ``key`` is ignored) and queue its deliveries. None if known."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind}")
    if s.scalar(sa.select(Event.id).where(Event.key == key[:128])) is not None:
        return None
    e = Event(kind=kind, key=key[:128], title=title[:255], body=body, unit_code=unit, department_code=department,
              enterprise_id=enterprise, link=link, data=json.dumps(data or {}, ensure_ascii=False, default=str),
              created_at=now_utc())
    s.add(e)
    s.flush()
    subs: dict[int, list[Subscription]] = {}
    for x in s.scalars(sa.select(Subscription)):
        subs.setdefault(x.user_id, []).append(x)
    for user in s.scalars(sa.select(User).where(User.active.is_(True))):
        if not hears(user, e):
            continue
        for channel in _channels(subs.get(user.id, []), kind):
            if channel == "inbox":
                s.add(Delivery(event_id=e.id, user_id=user.id, channel="inbox", target="", status="sent", attempts=1,
                               sent_at=e.created_at))
            else:
                s.add(Delivery(event_id=e.id, user_id=user.id, channel=channel.channel, target=channel.target,
                               status="pending", attempts=0, next_at=e.created_at))
    return e


# --------------------------------------------------------------------------- subscriptions
def subscribe(s: Session, user_id: int, kind: str, channel: str, target: str = "", secret: str | None = None,
              active: bool = True) -> Subscription:
    if kind != "*" and kind not in KINDS:
        raise UsageError(f"kind is * or one of {', '.join(KINDS)}")
    if channel not in CHANNELS:
        raise UsageError(f"channel is one of {', '.join(CHANNELS)}")
    target = (target or "").strip()
    if channel == "email" and ("@" not in target or len(target) > 254):
        raise UsageError("an e-mail subscription needs an address")
    if channel in ("wecom", "dingtalk") and not target.startswith(("http://", "https://")):
        raise UsageError("a robot subscription needs the robot's webhook URL")
    row = s.scalar(sa.select(Subscription).where(Subscription.user_id == user_id, Subscription.kind == kind,
                                                 Subscription.channel == channel, Subscription.target == target))
    if row is None:
        row = Subscription(user_id=user_id, kind=kind, channel=channel, target=target, created_at=now_utc())
        s.add(row)
    row.secret, row.active = secret or None, active
    s.flush()
    return row


def subscriptions(s: Session, user_id: int) -> list[dict]:
    return [{"id": x.id, "kind": x.kind, "kind_name": KINDS.get(x.kind, "全部"), "channel": x.channel,
             "channel_name": CHANNELS[x.channel], "target": x.target, "signed": bool(x.secret), "active": x.active}
            for x in s.scalars(sa.select(Subscription).where(Subscription.user_id == user_id).order_by(Subscription.id))]


def unsubscribe(s: Session, user_id: int, subscription_id: int) -> None:
    row = s.get(Subscription, subscription_id)
    if row is None or row.user_id != user_id:
        raise NotFound("no such subscription")
    s.delete(row)


# --------------------------------------------------------------------------- the inbox
def _event_json(e: Event) -> dict:
    return {"id": e.id, "kind": e.kind, "kind_name": KINDS.get(e.kind, e.kind), "title": e.title, "body": e.body,
            "link": e.link, "unit": e.unit_code, "created_at": to_beijing(e.created_at).isoformat(timespec="seconds")}


def inbox(s: Session, user_id: int, limit: int = 200, unread_only: bool = False) -> list[dict]:
    q = (sa.select(Delivery, Event).join(Event, Event.id == Delivery.event_id)
         .where(Delivery.user_id == user_id, Delivery.channel == "inbox").order_by(Event.id.desc()).limit(limit))
    if unread_only:
        q = q.where(Delivery.read_at.is_(None))
    return [{**_event_json(e), "delivery": d.id, "read": d.read_at is not None} for d, e in s.execute(q)]


def unread(s: Session, user_id: int) -> int:
    return int(s.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
        Delivery.user_id == user_id, Delivery.channel == "inbox", Delivery.read_at.is_(None))) or 0)


def mark_read(s: Session, user_id: int, delivery_id: int | None = None) -> int:
    q = sa.select(Delivery).where(Delivery.user_id == user_id, Delivery.channel == "inbox", Delivery.read_at.is_(None))
    if delivery_id is not None:
        q = q.where(Delivery.id == delivery_id)
    rows = list(s.scalars(q))
    if delivery_id is not None and not rows and s.scalar(sa.select(Delivery.id).where(
            Delivery.id == delivery_id, Delivery.user_id == user_id)) is None:
        raise NotFound("no such message")
    for d in rows:
        d.read_at = now_utc()
    return len(rows)


def deliveries(s: Session, status: str | None = None, limit: int = 300) -> list[dict]:
    """Every delivery but the inbox's, newest first (the office's view of what was sent and what failed)."""
    q = (sa.select(Delivery, Event, User.username).join(Event, Event.id == Delivery.event_id)
         .join(User, User.id == Delivery.user_id).where(Delivery.channel != "inbox")
         .order_by(Delivery.id.desc()).limit(limit))
    if status:
        q = q.where(Delivery.status == status)
    return [{"id": d.id, "event": e.title, "kind": e.kind, "user": name, "channel": d.channel,
             "channel_name": CHANNELS[d.channel], "target": _masked(d.target), "status": d.status,
             "attempts": d.attempts, "last_error": d.last_error,
             "sent_at": to_beijing(d.sent_at).isoformat(timespec="seconds") if d.sent_at else None,
             "next_at": to_beijing(d.next_at).isoformat(timespec="seconds") if d.next_at and d.status == "pending"
             else None} for d, e, name in s.execute(q)]


def _masked(target: str) -> str:
    """A robot URL's key or token is a secret: shown cut."""
    if "key=" in target or "access_token=" in target:
        head, _, tail = target.partition("?")
        return f"{head}?…{tail[-4:]}"
    return target


# --------------------------------------------------------------------------- sending
def dingtalk_url(url: str, secret: str | None, now_ms: int | None = None) -> str:
    """钉钉 加签: ``&timestamp=…&sign=…`` with sign = urlencode(base64(HMAC-SHA256(secret, ts + "\\n" + secret)))."""
    if not secret:
        return url
    ts = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def robot_body(channel: str, e: Event, settings: NotifySettings) -> dict:
    link = f"\n\n[打开]({settings.base_url}{e.link})" if e.link and settings.base_url else ""
    if channel == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": f"**{e.title}**\n{e.body}{link}"}}
    return {"msgtype": "markdown", "markdown": {"title": e.title, "text": f"#### {e.title}\n{e.body}{link}"}}


def _send_email(d: Delivery, e: Event, settings: NotifySettings) -> None:
    import os
    smtp = settings.smtp
    if not smtp.host:
        raise RuntimeError("no SMTP server: set [notify.smtp] host in lantian.toml")
    msg = EmailMessage()
    msg["Subject"] = f"【蓝天】{e.title}"
    msg["From"] = smtp.sender
    msg["To"] = d.target
    link = f"\n\n{settings.base_url}{e.link}" if e.link and settings.base_url else ""
    msg.set_content(f"{e.body}{link}\n\n—— 蓝天 lantian（{KINDS.get(e.kind, e.kind)}）")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username:
            client.login(smtp.username, os.environ.get(smtp.password_env or "", ""))
        client.send_message(msg)


def _send_robot(d: Delivery, e: Event, secret: str | None, settings: NotifySettings) -> None:
    import httpx
    url = dingtalk_url(d.target, secret) if d.channel == "dingtalk" else d.target
    r = httpx.post(url, json=robot_body(d.channel, e, settings), timeout=settings.timeout)
    if r.status_code != 200:
        raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
    try:
        answer = r.json()
    except ValueError:
        raise RuntimeError(f"not the robot's JSON answer: {r.text[:200]}") from None
    if answer.get("errcode", 0) != 0:
        raise RuntimeError(f"errcode {answer.get('errcode')}: {answer.get('errmsg')}")


def deliver(s: Session, settings: NotifySettings, now: dt.datetime | None = None, limit: int = 200) -> dict:
    """Send every pending delivery that is due; a failure is retried later, then given up."""
    now = now or now_utc()
    due = list(s.scalars(sa.select(Delivery).where(Delivery.status == "pending", Delivery.next_at <= now)
                         .order_by(Delivery.id).limit(limit)))
    out = {"sent": 0, "failed": 0, "retrying": 0}
    for d in due:
        e = s.get(Event, d.event_id)
        sub = s.scalar(sa.select(Subscription).where(Subscription.user_id == d.user_id,
                                                     Subscription.channel == d.channel,
                                                     Subscription.target == d.target))
        d.attempts += 1
        try:
            if d.channel == "email":
                _send_email(d, e, settings)
            else:
                _send_robot(d, e, sub.secret if sub else None, settings)
        except Exception as exc:                     # noqa: BLE001 — every failure is recorded and retried
            d.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if d.attempts > len(settings.retry_minutes):
                d.status, d.next_at = "failed", None
                out["failed"] += 1
            else:
                d.next_at = now + dt.timedelta(minutes=settings.retry_minutes[d.attempts - 1])
                out["retrying"] += 1
            continue
        d.status, d.sent_at, d.last_error, d.next_at = "sent", now, None, None
        out["sent"] += 1
    return out
