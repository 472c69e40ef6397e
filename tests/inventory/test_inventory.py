"""The inventory on a workspace whose totals are computed here by hand from the ledger, registers
and CEMS series of the fixture (tests/inventory/conftest.py) and the shipped factors — every number
below is written out, not taken from lantian — on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from fractions import Fraction as F

import pytest
import sqlalchemy as sa

from lantian import db
from lantian.accounts.scope import Scope
from lantian.enterprises.service import credit_codes
from lantian.errors import Forbidden, InputError, NotFound, UsageError
from lantian.inventory import service
from lantian.inventory.models import Inventory, InventoryRow
from tests.inventory.conftest import A, B, LUZHOU, TUNLIU, YEAR

R6 = lambda x: F(round(x * 10**6), 10**6)                                 # noqa: E731  stored to the gram

# --- by hand (shipped factors: data/point.toml, data/area.toml, data/parameters.toml) -------------------
# coal boiler 甲: 10 000 t, S 0.5 %; wet FGD 0.95, SCR 0.8, bag filter PM10 0.995 / PM2.5 0.985
BOILER_A = {"SO2": F(10000) * 16 * F("0.5") / 1000 * F("0.05"), "NOx": F(10000) * F("2.94") / 1000 * F("0.2"),
            "PM10": F(10000) * 6 / 1000 * F("0.005"), "PM2.5": F(10000) * F("2.6") / 1000 * F("0.015"),
            "VOCs": F(10000) * F("0.18") / 1000, "CO": F(10000) * F("1.6") / 1000}
# coke oven 甲: 100 000 t coke; semi-dry FGD 0.85, SNCR 0.4, bag filter. January from CEMS:
# 744 h × 100 000 m³/h × (50, 100, 10) mg/m³ × 10⁻⁶ kg; PM split 袋式 0.95 / 0.7; February only
# 240 of 672 hours (< 75 %): calculated, like March–December.
COKE_MONTH = {"SO2": F(100000) * F("1.2") / 1000 * F("0.15") / 12, "NOx": F(100000) * F("1.4") / 1000 * F("0.6") / 12,
              "PM10": F(100000) * 4 / 1000 * F("0.005") / 12}
JANUARY = {"SO2": F(744 * 5, 1000), "NOx": F(744 * 10, 1000), "PM10": F(744, 1000) * F("0.95")}
COKE = {p: JANUARY[p] + 11 * COKE_MONTH[p] for p in JANUARY}
# gas boiler 乙: 100 万m³ natural gas, low-NOx burners 0.3 (activity of 2022: class C)
BOILER_B = {"SO2": F(100) * F("0.2") / 1000, "NOx": F(100) * F("18.71") / 1000 * F("0.7")}
# 100 未改造 households × 2.5 t coal (S 1 %), heating months 1, 1, .5, …, .5, 1 (sum 4)
HEATING = {"SO2": F(250) * 16 / 1000, "NOx": F(250) * F("1.5") / 1000, "PM10": F(250) * 10 / 1000}
# 100 heavy diesel trucks 国五 × 50 000 km × 6.0 g/km NOx
TRUCKS = {"NOx": F(100 * 50000) * 6 / 10**6}
# 100 t of coatings × 50 % VOCs × (1 − 60 %), booked to 甲
SOLVENT = {"VOCs": F(100) * F("0.5") * F("0.4")}


def stored(url, pollutant, **where) -> F:
    with db.session(url) as s:
        inv = service.current(s, YEAR)
        q = sa.select(InventoryRow.tonnes).where(InventoryRow.inventory_id == inv.id, InventoryRow.pollutant == pollutant)
        for k, v in where.items():
            q = q.where(getattr(InventoryRow, k) == v)
        return sum((F(t) for t in s.scalars(q)), F(0))


def test_city_totals_equal_the_hand_computation(inv_ws):
    ws, url = inv_ws
    so2 = BOILER_A["SO2"] + COKE["SO2"] + BOILER_B["SO2"] + HEATING["SO2"]
    nox = BOILER_A["NOx"] + COKE["NOx"] + BOILER_B["NOx"] + HEATING["NOx"] + TRUCKS["NOx"]
    assert so2 == F("28.24") and stored(url, "SO2") == so2
    assert stored(url, "NOx") == R6(nox) == F("122.0047")
    with db.session(url) as s:
        r = service.summary(s, Scope.office(url), YEAR)
    assert r["total"]["SO2"] == 28.24 and r["total"]["NOx"] == 122.005
    assert r["label"].startswith(f"排放清单{YEAR}（第") and r["rows"] > 20
    counties = {c["code"]: c["tonnes"] for c in r["counties"]}
    assert counties[TUNLIU]["NOx"] == float(round(BOILER_B["NOx"] + TRUCKS["NOx"], 3))
    sectors = {x["code"]: x["tonnes"] for x in r["sectors"]}
    assert sectors["2.2"]["SO2"] == float(round(COKE["SO2"], 3)) and sectors["1.3.1"]["SO2"] == 4.0
    assert sectors["3.1.2"]["NOx"] == 30.0 and sectors["4.1"]["VOCs"] == 20.0


def test_cems_months_replace_the_calculated_ones_where_covered(inv_ws):
    ws, url = inv_ws
    assert stored(url, "SO2", facility="JL-1") == COKE["SO2"] == F("20.22")
    assert stored(url, "PM10", facility="JL-1") == R6(COKE["PM10"])
    with db.session(url) as s:
        inv = service.current(s, YEAR)
        row = s.scalar(sa.select(InventoryRow).where(InventoryRow.inventory_id == inv.id, InventoryRow.facility == "JL-1",
                                                     InventoryRow.pollutant == "NOx"))
    months = [F(m) for m in json.loads(row.monthly)]
    assert months[0] == F("7.44") and months[1] == months[11] == R6(COKE_MONTH["NOx"]) == 7
    assert "CEMS实测（排放口DA001，1个月：1月" in row.method and row.data_source == "企业台账 + CEMS"
    assert row.uncertainty == "C"                                 # 11 calculated months with a reference factor


def test_every_row_says_how_it_was_made_and_months_add_up(inv_ws):
    ws, url = inv_ws
    with db.session(url) as s:
        inv = service.current(s, YEAR)
        rows = list(s.scalars(sa.select(InventoryRow).where(InventoryRow.inventory_id == inv.id)))
    assert rows and all(r.method and r.activity and r.factor and r.data_source for r in rows)
    assert all(r.uncertainty in "ABCD" for r in rows)
    assert all(sum(F(m) for m in json.loads(r.monthly)) == F(r.tonnes) for r in rows)
    heating = [r for r in rows if r.sector == "1.3.1" and r.pollutant == "SO2"]
    assert [F(m) for m in json.loads(heating[0].monthly)][:3] == [F(1), F(1), F("0.5")]
    assert heating[0].uncertainty == "D" and "100户 × 2.5 吨/户" in heating[0].activity    # a ⚠ assumed parameter
    gas = next(r for r in rows if r.source.startswith("乙水泥") and r.pollutant == "NOx")
    assert "沿用2022年" in gas.activity and gas.uncertainty == "C"
    boiler = next(r for r in rows if r.source.startswith("甲焦化") and r.facility == "GL-1" and r.pollutant == "SO2")
    assert "16×S（S=0.5%）= 8 kg/t [fuel.燃煤，参考值待核对]" in boiler.factor and "石灰石-石膏湿法 η=0.95" in boiler.factor


def test_coverage_names_what_is_missing(inv_ws):
    ws, url = inv_ws
    with db.session(url) as s:
        cov = service.summary(s, Scope.office(url), YEAR)["coverage"]["sectors"]
    assert cov["5"]["status"] == "not covered" and any("畜禽养殖台账无2023年数据" in n["reason"] for n in cov["5"]["notes"])
    assert cov["8"]["status"] == "not covered"
    assert cov["1"]["status"] == "covered" and cov["3"]["status"] == "partial"      # no non-road machinery


def test_reduction_list_reads_baselines_and_totals_from_the_inventory(inv_ws):
    from lantian.emergency import measures as M
    from lantian.emergency import reduction as listing
    from lantian.emergency import service as emergency
    from lantian.accounts.scope import Scope
    from lantian.standards.rounding import round_half_even
    ws, url = inv_ws
    with db.session(url) as s:
        eid = next(e["id"] for e in credit_codes(s) if e["credit_code"] == A)
        emergency.put_on_list(s, eid, actor="test")
        listing.set_baseline(s, eid, "SO2", "999", "申报", actor="test")
        emergency.set_total(s, YEAR - 1, "SO2", "9999", "录入", actor="test")
        emergency.set_total(s, YEAR, "SO2", "9999", "录入", actor="test")
    with db.session(url) as s:
        typed = emergency.reduction(s, Scope.office(url), "orange", YEAR - 1, ws.root, ws.config)      # no inventory for 2022
        used = emergency.reduction(s, Scope.office(url), "orange", YEAR, ws.root, ws.config)
    assert typed["emissions_source"].startswith("录入值") and typed["check"]["SO2"]["total_t"] == 9999
    assert used["emissions_source"].startswith(f"排放清单{YEAR}")
    check = used["check"]["SO2"]
    assert check["total_t"] == 28.24 and check["total_source"].startswith(f"排放清单{YEAR}")
    cut = M.load().lookup("焦化", None, "orange").cut["SO2"]
    baseline = BOILER_A["SO2"] + COKE["SO2"]                                   # the enterprise's inventory rows
    assert used["enterprises"][0]["reduction"]["SO2"] == float(round_half_even(baseline * cut, 2))
    assert check["share_percent"] == float(round_half_even(baseline * cut / F("28.24") * 100, 1))
    assert all(src.startswith(f"排放清单{YEAR}") for src in used["enterprises"][0]["baseline_source"])
    with db.session(url) as s:
        got = service.baseline(s, eid, "VOCs", YEAR)
    assert got[0] == BOILER_A["VOCs"] + F(100000) * F("2.2") / 1000 + SOLVENT["VOCs"]   # the solvent row is 甲's


def test_excel_export_rereads_and_imports_unchanged(inv_ws, tmp_path):
    from lantian.inventory import excel
    ws, url = inv_ws
    office = Scope.office(url, "test")
    path = tmp_path / "清单.xlsx"
    with db.session(url) as s:
        excel.export(s, office, YEAR, path, root=ws.root, config=ws.config)
        before = service.summary(s, office, YEAR)
        old = service.current(s, YEAR).id
        stored_rows = {(r.source, r.pollutant): (F(r.tonnes), [F(m) for m in json.loads(r.monthly)], r.method)
                       for r in service.stored_rows(s, office, service.current(s, YEAR))}
    rows, year = excel.read(path)
    assert year == YEAR and len(rows) == len(stored_rows)
    assert {(r.source, r.pollutant): (r.tonnes, r.monthly, r.method) for r in rows} == stored_rows
    with db.session(url) as s:
        after = service.import_rows(s, office, YEAR, rows, source_file=path.name)
        assert s.get(Inventory, old).state == "superseded"
    assert after["total"] == before["total"] and after["origin"] == "imported"
    with db.session(url) as s:                      # back to a built inventory for the other tests
        service.build_inventory(s, office, YEAR, root=ws.root, measurements=ws.measurements, config=ws.config)


def test_a_bad_workbook_cell_is_named_and_nothing_is_stored(inv_ws, tmp_path):
    import openpyxl

    from lantian.inventory import excel
    ws, url = inv_ws
    path = tmp_path / "bad.xlsx"
    with db.session(url) as s:
        excel.export(s, Scope.office(url), YEAR, path)
        count = s.scalar(sa.select(sa.func.count()).select_from(Inventory))
    wb = openpyxl.load_workbook(path)
    sheet = wb["明细"]
    sheet.cell(row=3, column=excel.DETAIL_HEADER.index("1月") + 1, value=-1)
    wb.save(path)
    with pytest.raises(InputError) as info:
        excel.read(path)
    assert info.value.line == 3 and info.value.column == "1月"
    sheet.cell(row=3, column=excel.DETAIL_HEADER.index("1月") + 1, value=12345)
    wb.save(path)
    with pytest.raises(InputError, match="the months add up to"):
        excel.read(path)
    with db.session(url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Inventory)) == count


def test_scope_county_enterprise_and_who_builds(inv_ws):
    from lantian.accounts import service as accounts
    ws, url = inv_ws
    luzhou = Scope(accounts.Principal(9, "lz", "county", county_code=LUZHOU), url, LUZHOU)
    viewer = Scope(accounts.Principal(8, "v", "viewer"), url, None)
    with db.session(url) as s:
        mine = service.summary(s, luzhou, YEAR)
        assert {c["code"] for c in mine["counties"]} == {LUZHOU}
        assert mine["total"]["NOx"] == float(round(BOILER_A["NOx"] + COKE["NOx"] + HEATING["NOx"], 3))
        with pytest.raises(NotFound):
            service.summary(s, luzhou, YEAR, county=TUNLIU)
        with pytest.raises(Forbidden):
            service.build_inventory(s, viewer, YEAR, root=ws.root, measurements=None)
        eid = next(e["id"] for e in credit_codes(s) if e["credit_code"] == B)
        ent = Scope(accounts.Principal(7, "e", "enterprise", enterprise_id=eid), url, TUNLIU)
        own = service.detail(s, ent, YEAR)
        assert own["rows"] and all(r["enterprise_id"] == eid for r in own["rows"])


def test_settings_change_the_numbers_and_typos_are_refused(inv_ws, tmp_path):
    from lantian.inventory import build, tables
    ws, url = inv_ws
    config = {"inventory": {"parameters": {"coal_per_household": 2}}}
    own = tmp_path / "inventory" / "factors"
    own.mkdir(parents=True)
    (own / "local.toml").write_text('[[factor]]\nkey = "vehicle.重型载货.柴油"\nunit = "g/km"\nsource = "本地实测"\n'
                                    'class = "B"\nverified = true\nNOx = [14, 12, 10, 8, 5, 1.5]\n', encoding="utf-8")
    t = tables.load(tmp_path, config)
    with db.session(url) as s:
        made = build.build(s, YEAR, t, None)
    heating = sum(r.tonnes for r in made.rows if r.sector == "1.3.1" and r.pollutant == "SO2")
    trucks = next(r for r in made.rows if r.sector == "3.1.2" and r.pollutant == "NOx")
    assert heating == F(200) * 16 / 1000
    assert trucks.tonnes == F(100 * 50000) * 5 / 10**6 and "本地：local.toml" in trucks.factor
    with pytest.raises(UsageError, match="coal_per_houshold"):
        tables.load(None, {"inventory": {"parameters": {"coal_per_houshold": 2}}})
    with pytest.raises(UsageError, match="expected a number"):
        tables.load(None, {"inventory": {"parameters": {"coal_per_household": "much"}}})


def test_scenario_of_the_plans_phase_outs(inv_ws):
    from lantian.inventory import scenario
    ws, url = inv_ws
    with db.session(url) as s:
        r = scenario.run(s, Scope.office(url), YEAR, root=ws.root, config=ws.config)
    by_id = {m["id"]: m for m in r["measures"]}
    assert by_id["coal-boiler-below-35th"]["reduction"]["SO2"] == float(BOILER_A["SO2"])     # 20 t/h coal boiler
    assert by_id["coke-oven-4.3m"]["rows"] == 0                                              # a 6 m oven stays
    assert by_id["clean-heating"]["reduction"]["SO2"] == 4.0
    assert r["reduction"]["SO2"] == 8.0 and r["percent"]["SO2"] == float(round(F(8) / F("28.24") * 100, 1))
    assert {c["code"] for c in r["by_county"]} == {LUZHOU}


def test_cems_series_naming_no_ledger_facility_is_refused(inv_ws, tmp_path):
    from lantian.measurements.facility import FacilityStore
    ws, url = inv_ws
    bad = tmp_path / "bad.csv"
    bad.write_text(f"facility,time,metric,value,unit\n{A}:DA001,2023-03-01 01:00,flow_m3h,1,m3/h\n"
                   f"{A}:DA999,2023-03-01 01:00,so2_mgm3,5,mg/m3\n", encoding="utf-8")
    before = FacilityStore(ws.measurements).read().num_rows
    with db.session(url) as s, pytest.raises(InputError) as info:
        service.import_series(s, Scope.office(url), bad, ws.measurements)
    assert info.value.line == 3 and "DA999" in str(info.value)
    assert FacilityStore(ws.measurements).read().num_rows == before


def test_meic_shares_and_the_comparison(inv_ws, data_dir):
    from lantian.inventory import meic
    ws, url = inv_ws
    national = meic.read(data_dir)
    assert national.years == list(range(2010, 2018))
    shares = national.shares("SO2", 2017)
    assert sum(shares.values()) == 1 and shares["Industry"] > shares["Power"]
    with db.session(url) as s:
        r = service.compare_meic(s, Scope.office(url), YEAR, data=data_dir)
    so2 = next(p for p in r["pollutants"] if p["pollutant"] == "SO2")
    assert r["meic_year"] == 2017 and round(sum(x["national_percent"] for x in so2["sectors"])) == 100
    city = {x["sector"]: x["city_t"] for x in so2["sectors"]}
    assert city["Residential"] == 4.0 and city["Industry"] == float(round(F("28.24") - 4, 3))
