"""Speciated samples in, as PMF practice wants them: the three EPA example data sets read; every bad
input refused naming file, line and species; S/N, categories, missing values and Q(expected) by
hand; names suggested from marker species. No ESAT here (tests/apportionment/test_esat.py)."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from lantian.apportionment import markers, prepare, reader
from lantian.errors import InputError, UsageError

HEAD = "Date,PM2.5,Sulfate,Iron,Noise\n"


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def pair(tmp_path):
    conc = write(tmp_path / "c.csv", HEAD + "1/1/2023,10,4,0.5,0.01\n1/2/2023,20,8,,0.02\n1/8/2023,30,12,1.5,0.01\n")
    unc = write(tmp_path / "u.csv", HEAD + "1/1/2023,1,0.4,0.25,0.05\n1/2/2023,2,0.8,,0.05\n1/8/2023,3,1.2,0.5,0.05\n")
    return conc, unc


def test_the_epa_example_sets_read(data_dir):
    pmf = data_dir / "pmf"
    b = reader.read_pair(pmf / "Dataset-Baltimore_con.txt", pmf / "Dataset-Baltimore_unc.txt")
    assert (b.samples, len(b.species)) == (630, 26)           # 657 lines: the last 27 have nothing in them
    assert b.times[0] == dt.datetime(2000, 12, 14) and b.species[0] == "PM2.5"
    s = reader.read_pair(pmf / "Dataset-StLouis-con.csv", pmf / "Dataset-StLouis-unc.csv")
    assert (s.samples, len(s.species)) == (418, 13) and s.times[0] == dt.datetime(2001, 6, 22)
    v = reader.read_pair(pmf / "Dataset-BatonRouge-con.csv", pmf / "Dataset-BatonRouge-unc.csv")
    assert (v.samples, len(v.species)) == (307, 41) and v.times[0] == dt.datetime(2005, 6, 1, 6)


def test_xlsx_reads_like_csv(pair, tmp_path):
    conc, unc = pair
    wb = openpyxl.Workbook()
    for line in conc.read_text().splitlines():
        wb.active.append([c if i == 0 else (float(c) if c else None) for i, c in enumerate(line.split(","))]
                         if not line.startswith("Date") else line.split(","))
    wb.save(tmp_path / "c.xlsx")
    a, b = reader.read_matrix(conc), reader.read_matrix(tmp_path / "c.xlsx")
    assert (a.species, a.labels, a.values) == (b.species, b.labels, b.values)


@pytest.mark.parametrize("unc_text, line, column, words", [
    (HEAD + "1/1/2023,1,0.4,0.25,0.05\n1/2/2023,2,0.8,,0.05\n", None, None, "2 samples, the concentration file has 3"),
    ("Date,PM2.5,Sulfate,Zinc,Noise\n1/1/2023,1,1,1,1\n", 1, None, "only in c.csv: Iron; only in u.csv: Zinc"),
    ("Date,PM2.5,Iron,Sulfate,Noise\n1/1/2023,1,1,1,1\n", 1, None, "column 3 is 'Iron'"),
    (HEAD + "1/1/2023,1,0.4,0.25,0.05\n1/2/2023,2,-0.8,,0.05\n1/8/2023,3,1.2,0.5,0.05\n", 3, "Sulfate", "uncertainty -0.8"),
    (HEAD + "1/1/2023,1,0.4,0.25,0.05\n1/2/2023,2,0.8,,0.05\n1/8/2023,3,1.2,,0.05\n", 4, "Iron", "no uncertainty for Iron"),
    (HEAD + "1/1/2023,1,0.4,0.25,0.05\n1/2/2023,2,0.8,,0\n1/8/2023,3,1.2,0.5,0.05\n", 3, "Noise", "uncertainty 0"),
    (HEAD + "1/1/2023,1,0.4,0.25,0.05\n1/3/2023,2,0.8,,0.05\n1/8/2023,3,1.2,0.5,0.05\n", 3, "Date", "sample '1/3/2023'"),
    (HEAD + "1/1/2023,1,0.4,abc,0.05\n", 2, "Iron", "not a number: 'abc'"),
])
def test_bad_input_is_refused_naming_file_line_and_species(pair, tmp_path, unc_text, line, column, words):
    conc, _ = pair
    unc = write(tmp_path / "u.csv", unc_text)
    with pytest.raises(InputError) as info:
        reader.read_pair(conc, unc)
    e = info.value
    assert words in str(e) and e.line == line and e.column == column and str(e).startswith(str(unc))


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown format .dat"):
        reader.read_matrix(write(tmp_path / "x.dat", "a"))
    with pytest.raises(InputError, match="no such file"):
        reader.read_matrix(tmp_path / "none.csv")


def test_signal_to_noise_categories_and_missing_values_by_hand(pair):
    data = reader.read_pair(*pair)
    p = prepare.prepare(data)
    by = {c.name: c for c in p.checks}
    # S/N = mean over measured samples of (x − s)/s where x > s: Sulfate (4−.4)/.4 = 9 each sample
    assert by["Sulfate"].s_n == 9.0 and by["Sulfate"].category == "strong"
    assert by["Iron"].s_n == pytest.approx(((0.5 - 0.25) / 0.25 + (1.5 - 0.5) / 0.5) / 2)
    assert by["Noise"].s_n == 0 and by["Noise"].category == "bad" and "无信号" in by["Noise"].reason
    assert by["PM2.5"].category == "weak" and p.total == "PM2.5"               # the total variable
    assert p.species == ["PM2.5", "Sulfate", "Iron"]                          # the bad one left out
    assert p.V[1][2] == 1.0 and p.U[1][2] == 4.0                              # median 1.0, 4 × median
    assert p.U[0][0] == 3.0                                                   # weak: ×3
    assert any("Iron 1个" in n for n in p.notes) and any("剔除物种：Noise" in n for n in p.notes)
    assert by["Iron"].missing == 1
    # Q(expected) = samples × strong species − K × (samples + species in the model) = 3·2 − 1·(3 + 3)
    assert prepare.q_expected(p, 1) == 0.0


def test_the_analyst_overrides_categories(pair):
    data = reader.read_pair(*pair)
    p = prepare.prepare(data, weak=["Sulfate"], strong=["Noise"], total="none")
    assert p.category("Sulfate") == "weak" and p.category("Noise") == "strong" and p.total is None
    assert p.category("PM2.5") == "strong"
    with pytest.raises(UsageError, match="--weak 'Zinc': no such species"):
        prepare.prepare(data, weak=["Zinc"])
    with pytest.raises(UsageError, match="only 2 species left"):
        prepare.prepare(data, bad=["PM2.5"])


def test_names_are_suggested_from_marker_species():
    species = ["PM2.5", "Sulfate", "Total Nitrate", "Silicon", "Calcium", "Potassium Ion", "Zinc"]
    H = [[5, 9, 0.1, 0.1, 0.1, 0.1, 0.1],          # sulfate
         [4, 0.5, 9, 0.2, 0.1, 0.1, 0.1],          # nitrate
         [1, 0.2, 0.2, 8, 7, 0.5, 0.5],            # soil
         [1, 0.3, 0.3, 0.5, 0.5, 0.4, 0.4]]        # nothing clear
    got = markers.suggest(H, species, markers.load())
    assert [g["suggested"] for g in got] == ["二次硫酸盐", "二次硝酸盐", "扬尘", None]
    assert got[0]["markers"] == [{"species": "Sulfate", "share": 0.9}]            # 9 of 9 + .5 + .2 + .3
    assert got[3]["candidates"] and got[3]["top_species"][0]["species"] in species
    vocs = markers.suggest([[9, 0.1], [0.1, 9]], ["Isoprene", "Toluene"], markers.load())
    assert [g["suggested"] for g in vocs] == ["天然源（异戊二烯）", "溶剂使用（VOCs）"]
