"""Named checks of task 23's joint enforcement (柴油货车常态化联合执法) and of the plan's 制度 deliverables:
campaigns kept up (常态化), the 国六 gas-truck special inspection, abnormal vehicles traced back to the
inspection station that passed them (倒查排放检验机构), and each 制度 delivered, issued and approved on time.
Thresholds the plan does not give are ⚠ settings (:mod:`lantian.registers.settings`)."""
from __future__ import annotations

import datetime as dt
import re

from lantian.enterprises.rules import show_value as _d
from lantian.registers.checks import Check, Context, Outcome, check

CLAUSE_23 = ("任务23：完善生态环境、城市管理、公安交管、交通运输等部门联合执法常态化路检路查工作机制，重点检查柴油货车污染控制"
             "装置、车载诊断系统（OBD）、尾气排放达标等情况，严厉打击超标排放等违法行为。")
CLAUSE_23_GAS = ("任务23：组织开展国六排放标准重型燃气车专项检查，通过路检路查、入户检查等方式，检查核实环保信息公开、污染控制"
                 "装置和排放等情况，重点核实三元催化器和后氧传感器是否异常")
CLAUSE_23_TRACE = "任务23：对查出的异常车辆，除按规定进行处罚外，还要倒查排放检验机构年检情况。"
ABNORMAL = {"catalyst": ("异常", "缺失", "假冒伪劣"), "o2_sensor": ("异常", "缺失"), "control_device": ("异常", "缺失")}
PART = {"catalyst": "三元催化器", "o2_sensor": "后氧传感器", "control_device": "污染控制装置"}


def departments(text: str | None) -> list[str]:
    """参与部门 as typed: 市生态环境局、市公安局交警支队 / 生态环境,公安 → the names."""
    return [d.strip() for d in re.split(r"[、,，;；/\s]+", text or "") if d.strip()]


@check("joint-enforcement-regular", "部门联合执法常态化路检路查", CLAUSE_23, 23, ("joint_enforcement",))
def joint_enforcement_regular(c: Check, ctx: Context) -> Outcome:
    """The last joint campaign (two departments or more) started within ``joint_enforcement_days`` ⚠ of
    the check date; a campaign of one department is noted, not counted."""
    out = Outcome()
    started = [r for r in ctx.of("joint_enforcement") if r.values["start"] <= ctx.on]
    joint = [r for r in started if len(departments(r.values.get("departments"))) >= 2]
    for r in started:
        if r not in joint:
            out.findings.append(c.finding(ctx, r.label, f"{r.label}（{_d(r.values['start'])}）参与部门仅"
                                          f"“{r.values.get('departments')}”，不计为联合执法", row=r, severity="notice"))
    limit = ctx.settings.joint_enforcement_days
    if not joint:
        out.findings.append(c.finding(ctx, "全市", f"截至{_d(ctx.on)}未开展部门联合执法"))
        return out
    last = max(joint, key=lambda r: r.values["start"])
    gap = (ctx.on - last.values["start"]).days
    if gap > limit:
        out.findings.append(c.finding(ctx, "全市", f"最近一次部门联合执法为{last.label}（{_d(last.values['start'])}），"
                                      f"已{gap}天（常态化：应每{limit}天内）", row=last))
    return out


@check("gas-truck-special-inspection", "国六排放标准重型燃气车专项检查", CLAUSE_23_GAS, 23,
       ("joint_enforcement", "enforcement_checks"))
def gas_truck_special_inspection(c: Check, ctx: Context) -> Outcome:
    """In the check date's year, a 国六燃气车专项检查 campaign has begun and checked at least one 国六
    heavy gas truck with its 三元催化器 and 后氧传感器 findings recorded."""
    year = ctx.on.year
    special = {r.values["code"]: r for r in ctx.of("joint_enforcement")
               if r.values["kind"] == "国六燃气车专项检查" and r.values["start"].year == year
               and r.values["start"] <= ctx.on}
    checked = [r for r in ctx.of("enforcement_checks") if r.values["campaign"] in special
               and r.values["vehicle"] == "重型燃气货车" and r.values["stage"] == "国六"
               and r.values.get("catalyst") and r.values.get("o2_sensor") and r.values["checked_on"] <= ctx.on]
    if checked:
        return Outcome()
    what = ("已开展专项行动但未记录国六重型燃气车的三元催化器、后氧传感器核查结果" if special
            else "未开展国六排放标准重型燃气车专项检查")
    return Outcome([c.finding(ctx, f"{year}年", f"{year}年{what}")])


@check("abnormal-vehicle-trace", "异常车辆倒查排放检验机构", CLAUSE_23_TRACE, 23, ("enforcement_checks",))
def abnormal_vehicle_trace(c: Check, ctx: Context) -> Outcome:
    """A vehicle found with an abnormal or missing 三元催化器, 后氧传感器 or 污染控制装置: its inspection
    station named and traced within ``trace_days`` ⚠ of the check (then upcoming, after it a violation)."""
    out = Outcome()
    limit = ctx.settings.trace_days
    for r in ctx.of("enforcement_checks"):
        v = r.values
        bad = [f"{PART[k]}{v[k]}" for k, values in ABNORMAL.items() if v.get(k) in values]
        if not bad or v["checked_on"] > ctx.on or (v.get("traced_on") and v.get("inspection_station")):
            continue
        due = v["checked_on"] + dt.timedelta(days=limit)
        late = ctx.on > due
        if not late and (due - ctx.on).days > ctx.settings.horizon_days:
            continue
        station = v.get("inspection_station") or "未填检验机构"
        out.findings.append(c.finding(ctx, r.label, f"{v['plate']}（{v['vehicle']}，{v['stage']}）{_d(v['checked_on'])}查出"
                                      f"{'、'.join(bad)}，未完成倒查排放检验机构（{station}），期限{_d(due)}", row=r,
                                      upcoming=not late, deadline=due,
                                      days=(ctx.on - due).days if late else (due - ctx.on).days))
    return out


# ----------------------------------------------------------------------------- 制度建设成果
CLAUSE_DELIVERABLES = ("任务20：探索臭氧污染应急响应机制。任务22：规范企业绩效分级申报、审核、调整程序……修订完善重污染天气应急"
                       "减排清单……完善每日会商、提前预警、协商减排、监督帮扶、区域联动的重污染天气应对工作机制。任务23：完善……"
                       "部门联合执法常态化路检路查工作机制。（制度、机制和清单以印发并经审批的文件为成果）")


@check("deliverables-issued", "制度建设成果按期印发并经审批", CLAUSE_DELIVERABLES, None, ("deliverables",),
       section="制度建设")
def deliverables_issued(c: Check, ctx: Context) -> Outcome:
    """Each deliverable due before the check date: issued (已印发, with its date and document) and
    approved (审批单位 and date); due within the horizon and not yet: upcoming. Findings carry the
    row's own task, so each task is measured by its own deliverables."""
    out = Outcome()
    for r in ctx.of("deliverables"):
        v = r.values
        missing = [x for x, ok in (("未印发", v["state"] == "已印发" and v.get("issued_on")),
                                   ("无文件文号", v.get("document")),
                                   ("未经审批", v.get("approved_by") and v.get("approved_on"))) if not ok]
        if not missing or v.get("due_on") is None:
            continue
        late = v["due_on"] < ctx.on
        left = (v["due_on"] - ctx.on).days
        if not late and left > ctx.settings.horizon_days:
            continue
        out.findings.append(c.finding(ctx, r.label, f"任务{v['task']}“{v['deliverable']}”期限{_d(v['due_on'])}，"
                                      f"{'、'.join(missing)}（{v['state']}）", row=r, upcoming=not late,
                                      deadline=v["due_on"], days=(ctx.on - v["due_on"]).days if late else left,
                                      task=v["task"]))
    return out
