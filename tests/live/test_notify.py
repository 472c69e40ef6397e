"""People are told: who hears about an event (scope), the inbox, e-mail received by a real SMTP server
the test starts (aiosmtpd on 127.0.0.1, port 0), 企业微信 and 钉钉 robot bodies and the 钉钉 signature as
a local HTTP receiver sees them, and a failed delivery retried then given up."""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from lantian import db
from lantian.accounts.models import User
from lantian.live import notify
from lantian.live.models import Delivery, Event


@pytest.fixture(scope="module")
def smtp_server():
    """A real SMTP server (aiosmtpd) on its own event loop, 127.0.0.1, an ephemeral port."""
    from aiosmtpd.smtp import SMTP

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
            return "250 OK"

    handler = Keep()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box = {}

    def main():
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(loop.create_server(lambda: SMTP(handler), "127.0.0.1", 0))
        box["port"] = server.sockets[0].getsockname()[1]
        box["server"] = server
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    ready.wait(10)
    yield box["port"], handler
    loop.call_soon_threadsafe(box["server"].close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture(scope="module")
def robot():
    """A local HTTP receiver standing in for the robots: answers {"errcode": 0} unless told to fail."""
    got, state = [], {"fail": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((self.path, json.loads(body)))
            if state["fail"]:
                state["fail"] -= 1
                self.send_response(502)
                self.end_headers()
                self.wfile.write(b"bad gateway")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", got, state
    server.shutdown()


def uid(s, name: str) -> int:
    return s.scalar(sa.select(User.id).where(User.username == name))


def inbox_titles(s, name: str) -> list[str]:
    return [m["title"] for m in notify.inbox(s, uid(s, name))]


def test_who_hears_about_what(live):
    with db.session(live.url) as s:
        luzhou_event = notify.emit(s, "aqi_above", "t:aqi:1", "潞州测试站小时AQI 230", "…", unit="140403")
        notify.emit(s, "fire_escalated", "t:fire:1", "屯留区火点逾期", "…", unit="140405")
        notify.emit(s, "alert_issued", "t:alert:1", "发布重污染天气橙色预警", "…")
        notify.emit(s, "supervision", "t:sup:1", "督办函给市工信局", "…", department="gxj")
        assert notify.emit(s, "aqi_above", "t:aqi:1", "again", "…") is None          # raised once
        ent = s.scalar(sa.select(User.enterprise_id).where(User.username == "qiye"))
        notify.emit(s, "emission_above", "t:limit:1", "示例企业超标", "…", unit="140403", enterprise=ent)
    with db.session(live.url) as s:
        assert {"潞州测试站小时AQI 230", "屯留区火点逾期", "发布重污染天气橙色预警", "督办函给市工信局",
                "示例企业超标"} <= set(inbox_titles(s, "daqiban"))
        luzhou = set(inbox_titles(s, "luzhou"))
        assert {"潞州测试站小时AQI 230", "发布重污染天气橙色预警", "示例企业超标"} <= luzhou
        assert "屯留区火点逾期" not in luzhou and "督办函给市工信局" not in luzhou       # not theirs
        assert "潞州测试站小时AQI 230" not in inbox_titles(s, "tunliu")
        assert set(inbox_titles(s, "gongxin")) >= {"督办函给市工信局", "发布重污染天气橙色预警"}
        assert "屯留区火点逾期" not in inbox_titles(s, "gongxin")
        qiye = set(inbox_titles(s, "qiye"))
        assert "示例企业超标" in qiye and "潞州测试站小时AQI 230" not in qiye
        me = uid(s, "luzhou")
        before = notify.unread(s, me)
        mine = [m for m in notify.inbox(s, me) if m["title"] == "潞州测试站小时AQI 230"][0]
        assert notify.mark_read(s, me, mine["delivery"]) == 1 and notify.unread(s, me) == before - 1
        with pytest.raises(Exception):
            notify.mark_read(s, uid(s, "tunliu"), mine["delivery"])                   # not their message
        assert luzhou_event is not None


def test_email_reaches_a_real_smtp_server(live, smtp_server):
    port, server = smtp_server
    server.messages.clear()
    settings = notify.notify_settings({"notify": {"smtp": {"host": "127.0.0.1", "port": port,
                                                           "sender": "lantian@changzhi.example"},
                                                  "base_url": "http://lantian.example"}})
    with db.session(live.url) as s:
        notify.subscribe(s, uid(s, "luzhou"), "aqi_above", "email", "luzhou@changzhi.example")
        notify.subscribe(s, uid(s, "tunliu"), "*", "email", "tunliu@changzhi.example")
    with db.session(live.url) as s:
        notify.emit(s, "aqi_above", "t:mail:1", "潞州测试站小时AQI 260（重度污染）", "2024-05-06 09:00 小时AQI 260。",
                    unit="140403", link="/")
    with db.session(live.url) as s:
        result = notify.deliver(s, settings)
    assert result["sent"] >= 1 and result["failed"] == 0
    [(sender, to, text)] = [m for m in server.messages if "luzhou@changzhi.example" in m[1]]
    assert sender == "lantian@changzhi.example"
    assert "AQI" in text and "http://lantian.example/" in text
    assert not [m for m in server.messages if "tunliu@changzhi.example" in m[1]]      # another county's event
    with db.session(live.url) as s:
        d = s.scalar(sa.select(Delivery).where(Delivery.channel == "email", Delivery.target == "luzhou@changzhi.example"))
        assert d.status == "sent" and d.attempts == 1 and d.sent_at is not None


def test_robots_bodies_signature_and_retries(live, robot):
    url, got, state = robot
    secret = "SECxxxxtest-secret"
    with db.session(live.url) as s:
        notify.subscribe(s, uid(s, "daqiban"), "alert_issued", "wecom", f"{url}/cgi-bin/webhook/send?key=abc")
        notify.subscribe(s, uid(s, "daqiban"), "alert_issued", "dingtalk", f"{url}/robot/send?access_token=t0",
                         secret=secret)
        notify.emit(s, "alert_issued", "t:robot:1", "发布重污染天气红色预警", "请立即落实红色预警措施。", link="/emergency")
    state["fail"] = 1                                          # the first robot call fails: retried later
    now = db.now_utc()
    robots = sa.select(Delivery).where(Delivery.channel.in_(["wecom", "dingtalk"]))
    with db.session(live.url) as s:
        notify.deliver(s, notify.notify_settings({}), now)
    with db.session(live.url) as s:
        rows = list(s.scalars(robots))
        assert sorted(d.status for d in rows) == ["pending", "sent"]
        failed = [d for d in rows if d.status == "pending"][0]
        assert "HTTP 502" in failed.last_error and failed.next_at == now + dt.timedelta(minutes=1)
    with db.session(live.url) as s:
        notify.deliver(s, notify.notify_settings({}), now)                            # not due yet
        assert s.get(Delivery, failed.id).attempts == 1
    with db.session(live.url) as s:
        notify.deliver(s, notify.notify_settings({}), now + dt.timedelta(minutes=2))
    with db.session(live.url) as s:
        assert [d.status for d in s.scalars(robots)] == ["sent", "sent"] and s.get(Delivery, failed.id).attempts == 2
    wecom = [b for p, b in got if p.startswith("/cgi-bin/webhook/send")][-1]
    assert wecom == {"msgtype": "markdown", "markdown": {"content": "**发布重污染天气红色预警**\n请立即落实红色预警措施。"}}
    path, ding = [(p, b) for p, b in got if p.startswith("/robot/send")][-1]
    assert ding["msgtype"] == "markdown" and ding["markdown"]["title"] == "发布重污染天气红色预警"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    ts = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert query["access_token"] == ["t0"] and query["sign"] == [expected]
    assert abs(int(ts) / 1000 - dt.datetime.now().timestamp()) < 600


def test_a_delivery_that_keeps_failing_is_given_up(live):
    settings = notify.notify_settings({"notify": {"retry_minutes": [1, 2]}})        # no SMTP host configured
    with db.session(live.url) as s:
        notify.subscribe(s, uid(s, "jiancha"), "fire_escalated", "email", "inspector@changzhi.example")
        notify.emit(s, "fire_escalated", "t:giveup:1", "火点逾期", "…", unit="140404")
    t = db.now_utc()
    for k in range(3):
        with db.session(live.url) as s:
            notify.deliver(s, settings, t + dt.timedelta(minutes=5 * k))
    with db.session(live.url) as s:
        d = s.scalar(sa.select(Delivery).where(Delivery.target == "inspector@changzhi.example"))
        assert d.status == "failed" and d.attempts == 3 and "no SMTP server" in d.last_error
        listed = notify.deliveries(s, "failed")
        assert any(x["target"] == "inspector@changzhi.example" for x in listed)
        assert s.scalar(sa.select(Event.id).where(Event.key == "t:giveup:1")) is not None
