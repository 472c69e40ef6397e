"""监测 — what the monitoring network says: the city dashboard (首页) and, later, station pages.

Services only: the web shell (``lantian.web``) and the CLI call them; no route or template
lives here.
"""
from lantian.monitoring.dashboard import clear_cache, dashboard

__all__ = ["clear_cache", "dashboard"]
