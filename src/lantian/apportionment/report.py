"""源解析报告 — a PMF run as a Word document through the one document service: the data and
settings, Q values, each factor (name, how it was named, share of the total, marker species,
bootstrap mapping), the profiles, the contributions by season and weekday (charts drawn with
matplotlib and Debian's CJK font), and the factors beside the inventory's sectors."""
from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib
from lantian.documents import render_docx
from lantian.documents.charts import cjk_font
from lantian.documents.content import Heading, Image, OfficialDocument, Paragraph, Table
from lantian.workspace import Workspace

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = ["#4a7ebb", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f", "#b8860b", "#2e8b57", "#d2691e"]


def _font():
    font = cjk_font()
    plt.rcParams["font.family"] = font.get_name()
    plt.rcParams["axes.unicode_minus"] = False


def _save(fig, out: Path) -> Path:
    fig.savefig(out, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return out


def _names(r: dict) -> list[str]:
    return [n["name"] or f"因子{n['factor']}" for n in r["names"]]


def share_chart(r: dict, out: Path) -> Path:
    _font()
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    names = _names(r)
    pct = r["contributions"]["percent"]
    ax.barh(names[::-1], pct[::-1], color=COLOURS[:len(names)][::-1])
    for y, v in enumerate(pct[::-1]):
        ax.text(v, y, f" {v:.1f}%", va="center", fontsize=8)
    ax.set_xlabel(f"占{r['contributions']['basis']}的比例（%）")
    ax.set_title("各因子贡献")
    return _save(fig, out)


def season_chart(r: dict, out: Path) -> Path | None:
    if not r["by_season"]:
        return None
    _font()
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    seasons = [x["key"] for x in r["by_season"]]
    bottom = [0.0] * len(seasons)
    for k, name in enumerate(_names(r)):
        values = [x["mean"][k] for x in r["by_season"]]
        ax.bar(seasons, values, bottom=bottom, label=name, color=COLOURS[k % len(COLOURS)], width=0.6)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylabel(r["contributions"]["basis"])
    ax.set_title("分季节平均贡献")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, out)


def render(r: dict, links: dict, out: Path, *, root: Path | None = None, issuer: str = "") -> Path:
    names = _names(r)
    bs = {f["factor"]: f for f in (r["bootstrap"] or {}).get("factors", [])}
    inp = r["input"]
    with tempfile.TemporaryDirectory(prefix="lantian-pmf-") as tmp:
        charts = [share_chart(r, Path(tmp) / "share.png"), season_chart(r, Path(tmp) / "season.png")]
        factors = [["因子", "名称", "命名依据", f"占{r['contributions']['basis']}（%）", "自助法映射"]]
        for n, pct in zip(r["names"], r["contributions"]["percent"]):
            how = "分析人员确认" if n["confirmed"] else "标识组分建议（待确认）" if n["suggested"] else "未识别"
            markers = "、".join(f"{m['species']}{m['share']:.0%}" for m in n["markers"][:4])
            b = bs.get(n["factor"])
            factors.append([str(n["factor"]), names[n["factor"] - 1], how + (f"：{markers}" if markers else ""),
                            f"{pct:.1f}", f"{b['mapped_percent']}%" if b else "未运行"])
        species = r["species"]
        profile = [["物种"] + names] + [[sp] + [f"{p['percent_of_species'][j]:.0f}%" for p in r["profiles"]]
                                       for j, sp in enumerate(species)]
        short = {"strong": "强", "weak": "弱", "bad": "剔除"}
        checks = [["物种", "信噪比", "类别", "说明"]] + [[c["name"], f"{c['s_n']:.2f}", short[c["category"]], c["reason"]]
                                                   for c in inp["checks"]]
        blocks = [
            Heading("数据与设置"),
            Paragraph(f"浓度文件{r['files']['concentration']['name']}、不确定度文件{r['files']['uncertainty']['name']}"
                      f"（SHA-256 {r['files']['concentration']['sha256'][:12]}…、{r['files']['uncertainty']['sha256'][:12]}…），"
                      f"样品{inp['samples']}个（{inp['first']}至{inp['last']}），参与解析物种{len(species)}个。"
                      f"采用美国环保署ESAT {r['esat_version']}（正定矩阵因子分解，{r['settings']['method']}），"
                      f"因子数{r['factors']}，基础运行{len(r['runs'])}次（随机种子{r['settings']['seed']}），"
                      f"按Q(robust)最小取第{r['best_run']}次。"),
            *[Paragraph(n) for n in inp["notes"]],
            Table(checks, caption="物种信噪比与类别", widths=[3, 1, 1, 4]),
            Heading("解析结果"),
            Paragraph(f"Q(robust) = {r['q_robust']:,.1f}，Q(true) = {r['q_true']:,.1f}，Q(expected) = "
                      f"{r['q_expected']:,.0f}，Q(true)/Q(expected) = {r['q_ratio']}。"),
            Table(factors, caption="因子及其命名", widths=[1, 2, 4, 1.5, 1.5]),
            Image(str(charts[0]), width_cm=14, caption="各因子贡献"),
        ]
        if charts[1]:
            blocks.append(Image(str(charts[1]), width_cm=14, caption="分季节平均贡献"))
        blocks.append(Table(profile, caption="因子谱（各因子占物种总量的比例）", widths=[3] + [1] * len(names)))
        if r["bootstrap"]:
            blocks.append(Paragraph(f"自助法（Bootstrap）{r['bootstrap']['runs']}次，块长{r['bootstrap']['block_size']}，"
                                    f"映射阈值r²≥{r['bootstrap']['threshold_r2']}；映射率不低于80%的因子视为可重现。"))
        if r["displacement"]:
            swaps = "；".join(f"{names[f['factor'] - 1]} {f['swap_percent'].get('4', 0)}%" for f in r["displacement"]["factors"])
            blocks.append(Paragraph(f"位移法（DISP）：dQ=4时因子互换比例 {swaps}；最大dQ下降{r['displacement']['largest_dq_drop']:.2f}。"))
        blocks.append(Heading("与排放清单的对照"))
        if links["factors"]:
            rows = [["因子", "受体贡献（%）", "清单对照部门", "对照污染物", "清单占比（%）"]]
            for f in links["factors"]:
                rows.append([f["name"], f"{f['percent']:.1f}", "、".join(x["name"] for x in f["sectors"]) or "—",
                             f["pollutant"] or "—", "—" if f["inventory_percent"] is None else str(f["inventory_percent"])])
            blocks += [Paragraph(f"对照{links['label']}。{links['note']}"), Table(rows, caption="因子与清单部门",
                                                                              widths=[2, 1.4, 3.6, 1.3, 1.4])]
        else:
            blocks.append(Paragraph(links["note"]))
        doc = OfficialDocument(title="大气颗粒物（挥发性有机物）来源解析报告", blocks=blocks,
                               issuer=issuer)
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        return render_docx("document", doc, out, workspace=Workspace(Path(root)) if root else None)
