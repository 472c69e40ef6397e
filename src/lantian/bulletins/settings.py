"""Who issues the bulletins (发文机关) and of which province the city is — the workspace's, not
the code's: ``[workspace] issuer`` and ``province`` in ``lantian.toml``, else derived from the city
the workspace serves (:mod:`lantian.geography`)."""
from __future__ import annotations

from typing import Mapping

from lantian import db, geography

from lantian.documents.office import ISSUER


def issuer(config: Mapping | None, city_name: str | None) -> str:
    """``[workspace] issuer``, else :data:`ISSUER` of the city (长治市大气污染防治工作领导小组办公室)."""
    said = ((config or {}).get("workspace") or {}).get("issuer")
    if said:
        return str(said)
    return ISSUER.format(city=city_name or "市")


def workspace_issuer(url: str, config: Mapping | None) -> str:
    """:func:`issuer` of the workspace whose database is at ``url``."""
    with db.session(url) as s:
        return issuer(config, geography.city_name(s, config))


def province(url: str, config: Mapping | None) -> str | None:
    """The workspace's province (山西省): the setting, else the one its city's code names."""
    with db.session(url) as s:
        return geography.province_of(s, config)
