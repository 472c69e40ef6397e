"""The office that issues the workspace's documents (发文机关): its name, its 发文字号 prefix and the
usual addressees (主送) — the workspace's, never the code's. Each is a setting of ``[workspace]`` in
``lantian.toml`` (``issuer``, ``doc_prefix``, ``recipients``), else derived from the city the workspace
serves and its zones (:mod:`lantian.geography`): for 长治市 with 高新区 and 经开区,
长治市大气污染防治工作领导小组办公室, 长气防办 and 各县、区人民政府，长治高新区、经开区管委会."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from sqlalchemy.orm import Session

from lantian import geography

#: the issuing office when the workspace names none: the city's air-pollution leading group's office
ISSUER = "{city}大气污染防治工作领导小组办公室"
#: the counties' governments, always addressed; the zones' committees follow when the city has zones
COUNTIES = "各县、区人民政府"


@dataclass(frozen=True)
class Office:
    city: str            # 长治市 ('' when the workspace knows no city yet)
    issuer: str          # 长治市大气污染防治工作领导小组办公室
    prefix: str          # 长气防办 — 长气防办发〔2023〕1号
    recipients: str      # 各县、区人民政府，长治高新区、经开区管委会

    def number(self, kind: str, year: int, serial: int | str) -> str:
        """A 发文字号: ``number("发", 2023, 12)`` → 长气防办发〔2023〕12号 (GB/T 9704—2012 §7.2.4)."""
        return f"{self.prefix}{kind}〔{year}〕{serial}号"

    def addressees(self, *more: str) -> str:
        """The usual addressees and, after them, ``more`` (有关企业, 市直各有关单位)."""
        return "，".join([self.recipients, *more])


def _setting(config: Mapping | None, key: str) -> str | None:
    said = ((config or {}).get("workspace") or {}).get(key)
    return str(said) if said else None


def office_of(s: Session, config: Mapping | None = None) -> Office:
    """The workspace's :class:`Office`, from its settings and its units."""
    city = geography.city_name(s, config) or ""
    short = city[:-1] if city.endswith("市") else city
    zones = [u.name for u in geography.units(s, "zone")]
    recipients = COUNTIES + (f"，{short}{'、'.join(zones)}管委会" if zones else "")
    return Office(city=city,
                  issuer=_setting(config, "issuer") or ISSUER.format(city=city or "市"),
                  prefix=_setting(config, "doc_prefix") or f"{short[:1]}气防办",
                  recipients=_setting(config, "recipients") or recipients)
