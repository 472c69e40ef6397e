"""The workspace: one folder holding a city's lantian data.

```
WORKSPACE/
  lantian.toml         settings (as-of date, engine, …)
  lantian.sqlite3      operational records (default; $LANTIAN_DATABASE_URL for PostgreSQL)
  measurements/        the measurement store (Parquet + manifest), see lantian.measurements.store
```
``--workspace W``, else ``$LANTIAN_WORKSPACE``, else ``./lantian-workspace``.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lantian.errors import UsageError

DEFAULT = Path("lantian-workspace")
CONFIG = "lantian.toml"
TEMPLATE = """# lantian workspace settings
[workspace]
name = "{name}"
# as_of = "2019-12-31"   # the date every "overdue" and "year to date" is computed against (default today)
# city = "140400"        # the city's GB/T 2260 code (default: the city unit its boundaries bring; docs/architecture.md "Geography")
# province = "山西省"      # default: the province the city's GB/T 2260 code names
# issuer = "长治市大气污染防治工作领导小组办公室"   # who issues the bulletins (default: the city's name + 大气污染防治工作领导小组办公室)

[engine]
name = "duckdb"        # or "spark": the same computations on Apache Spark (docs/scaling.md)
# [engine.spark]
# master = "spark://spark-master:7077"     # default local[*]; $LANTIAN_SPARK_MASTER overrides
# "spark.executor.memory" = "8g"           # any Spark setting

# 序时进度: when a county is behind (滞后) or seriously behind (严重滞后). Defaults shown.
# [assessment.progress]
# behind_if_any = ["pm25_above_target", "good_days_below_target"]   # also "pm25_rate_below_plan", "tasks_late"
# seriously_if_any = ["pm25_worse_than_last_year", "good_days_worse_than_last_year"]
#                    # also "pm25_far_above_target", "tasks_seriously_late", "findings_unresolved"
# far_above_percent = 10        # for pm25_far_above_target
# planned_rate_percent = 5      # for pm25_rate_below_plan
# name = "2023年考核办法"

# The live loop (docs/live.md, docs/hj212.md). Defaults shown; ⚠ marks a choice, not a standard's text.
# [hj212]
# port = 9212                 # `lantian serve` also starts the HJ 212 receiver on this port
# source = "hj212"            # the station store's source for the hour values received
# valid_flags = ["N"]         # ⚠ 表8 flags whose hour values become station-store rows
# missing_flag = "N"          # ⚠ the flag of a value sent without -Flag (counted as a deviation)
# silent_minutes = 30         # ⚠ a device silent longer is reported
# build_seconds = 5           # how often the store is built from the journal
# [hj212.units."22"]          # ⚠ what air-quality analysers send (a device may say otherwise)
# a34004 = "µg/m³"
# [watch]
# stable_seconds = 5          # ⚠ a file whose size has not changed this long is complete
# [schedule]                  # "every 15m", "every 2h", "daily 08:30" (Beijing), "new_hours", "off"
# hourly_aqi = "new_hours"
# daily_report = "daily 08:30"
# fire_escalation = "every 15m"
# milestones = "daily 08:00"
# silent_devices = "every 5m"
# emission_limits = "every 15m"
# suggested_level = "every 30m"
# audit_events = "every 1m"
# deliver = "every 1m"
# [schedule.retry]
# attempts = 3
# after_minutes = 5
# [live]
# aqi_above = 200             # ⚠ a station's hourly AQI above this raises an event
# limits = "standard"         # ⚠ standard | special (特别排放限值) | ultra_low (超低排放)
# forecasts = "forecasts"     # the folder of forecast files (date,aqi) for the suggested level
# ruleset = "2024"            # the warning rule set of the suggested level
# [notify]
# base_url = "http://lantian.example:8000"
# retry_minutes = [1, 5, 15, 60]
# [notify.smtp]
# host = "smtp.example.gov.cn"
# port = 25
# sender = "lantian@example.gov.cn"
# starttls = false
# username = "lantian"
# password_env = "LANTIAN_SMTP_PASSWORD"   # the password itself is never written here

# 考核点位: which station networks make which official figure (国控 national, 省控 provincial, 市控 city,
# 县控 county, 乡镇 township, 微站 sensor). Defaults shown; 对照点 never count. Other stations are shown only.
# [assessment.networks]
# city = ["national"]             # the city's figure: its 国控 points
# county = ["county"]             # a county's (zone's) figure: its 县控 points …
# county_fallback = ["national"]  # … or, where it has none on a day, the 国控 points inside it
# ⚠ sign-in lockout (GB/T 22239-2019 8.1.4.1 b 登录失败处理): after this many wrong passwords in a row the
# account is locked for this many minutes (audited; `lantian user unlock NAME` lifts it early).
# [accounts]
# lockout_failures = 5
# lockout_minutes = 15
"""


_CONFIG_CACHE: dict[Path, tuple[int, dict]] = {}


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG

    @property
    def measurements(self) -> Path:
        return self.root / "measurements"

    @property
    def database_url(self) -> str:
        return os.environ.get("LANTIAN_DATABASE_URL") or f"sqlite:///{(self.root / 'lantian.sqlite3').resolve()}"

    @property
    def config(self) -> dict:
        """The settings file, parsed again only when it changes (pages read the as-of date per request)."""
        try:
            stamp = self.config_path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        cached = _CONFIG_CACHE.get(self.config_path)
        if cached and cached[0] == stamp:
            return cached[1]
        data = tomllib.loads(self.config_path.read_text(encoding="utf-8"))
        _CONFIG_CACHE[self.config_path] = (stamp, data)
        return data

    def exists(self) -> bool:
        return self.config_path.is_file()

    @property
    def as_of(self):
        """The workspace's as-of date (docs/architecture.md "Time"): every overdue/current/year-to-date uses it."""
        import datetime as dt
        value = self.config.get("workspace", {}).get("as_of")
        if value is None:
            return dt.date.today()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    def set_as_of(self, day) -> None:
        text = self.config_path.read_text(encoding="utf-8")
        lines = [ln for ln in text.splitlines() if not ln.strip().startswith("as_of")]
        out = []
        for ln in lines:
            out.append(ln)
            if ln.strip() == "[workspace]":
                out.append(f'as_of = "{day.isoformat()}"')
        self.config_path.write_text("\n".join(out) + "\n", encoding="utf-8")
        _CONFIG_CACHE.pop(self.config_path, None)

    @property
    def secret(self) -> str:
        """The key that signs session cookies and access tokens (made once per workspace)."""
        import secrets
        path = self.root / "secret.key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()


def check_keys(section, known: set[str], table: str, source: str) -> None:
    """A settings table names only settings that exist (a typo is an error, not a silent default)."""
    unknown = sorted(set(section) - known)
    if unknown:
        raise UsageError(f"{source}: [{table}] has no setting {', '.join(unknown)}; "
                         f"expected one of {', '.join(sorted(known))}")


def locate(explicit: str | Path | None = None) -> Path:
    return Path(explicit or os.environ.get("LANTIAN_WORKSPACE") or DEFAULT)


def init(path: str | Path | None = None) -> Workspace:
    """Create (or keep) a workspace; idempotent."""
    ws = Workspace(locate(path))
    ws.root.mkdir(parents=True, exist_ok=True)
    ws.measurements.mkdir(exist_ok=True)
    if not ws.config_path.exists():
        ws.config_path.write_text(TEMPLATE.format(name=ws.root.resolve().name), encoding="utf-8")
    return ws


def open_workspace(path: str | Path | None = None, create: bool = False) -> Workspace:
    """The workspace at ``path``; a clear error if there is none (unless ``create``)."""
    ws = Workspace(locate(path))
    if ws.exists():
        return ws
    if create:
        return init(ws.root)
    raise UsageError(f"no lantian workspace at {ws.root}: create one with `lantian init {ws.root}` "
                     "or name another with --workspace / LANTIAN_WORKSPACE")
