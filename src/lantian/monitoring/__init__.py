"""监测 — what the monitoring network says: the city dashboard (首页) and the station pages.

A room like the others: its service (:mod:`.dashboard`, cached per store version), its routes
(:mod:`.routes`: the home page, the station pages, and the dashboard, station and county-map API)
and its templates (``templates/monitoring/``), mounted by the web shell.
"""
from lantian.monitoring.dashboard import clear_cache, dashboard

__all__ = ["clear_cache", "dashboard"]
