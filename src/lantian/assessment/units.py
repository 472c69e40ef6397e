"""The units assessed: the city, its counties and zones. Which stations make each unit's figure, day
by day, is :func:`lantian.assessment.networks.official_stations`; the units themselves are
:mod:`lantian.geography`'s (the workspace's city among them: :func:`lantian.geography.city_code`)."""
from __future__ import annotations

from lantian import db, geography


def unit_names(url: str) -> dict[str, str]:
    """unit code → name, for the city, its counties and zones."""
    with db.session(url) as s:
        return geography.names(s)


