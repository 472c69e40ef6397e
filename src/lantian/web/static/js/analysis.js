/* The analysis room's charts (offline ECharts). Every chart gets a toolbox: PNG (saveAsImage) and
   SVG (the same option drawn by ECharts' SVG renderer, renderToSVGString). */
(function () {
  var SVG_ICON = "path://M4,4h16v16h-16z M8,14l3-4l3,4l2-2l2,3";

  function svgOf(chart) {
    var dom = chart.getDom(), div = document.createElement("div");
    div.style.cssText = "position:absolute;left:-99999px;width:" + dom.clientWidth + "px;height:" + dom.clientHeight + "px";
    document.body.appendChild(div);
    var c = echarts.init(div, null, {renderer: "svg", width: dom.clientWidth, height: dom.clientHeight});
    var opt = chart.getOption();
    opt.animation = false;
    opt.toolbox = [{show: false}];
    c.setOption(opt);
    var text = c.renderToSVGString();
    c.dispose();
    div.remove();
    return text;
  }

  function download(name, text, type) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], {type: type}));
    a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
  }

  function chart(id, option, name) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.init(el);
    option.toolbox = {right: 10, top: 0, feature: {
      saveAsImage: {title: "PNG", name: name, pixelRatio: 2, backgroundColor: "#fff"},
      mySVG: {show: true, title: "SVG", icon: SVG_ICON, onclick: function () { download(name + ".svg", svgOf(c), "image/svg+xml"); }}
    }};
    option.backgroundColor = option.backgroundColor || "#fff";
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
    el.lantianSVG = function () { return svgOf(c); };      // what the SVG button downloads
    el.dataset.ready = "1";
    return c;
  }

  function name(d, what) { return "lantian-" + what + "-" + ((d.target && d.target.code) || d.file || "") + "-" + (d.pollutant || ""); }

  function calendar(id, d) {
    var months = d.month ? [d.month] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    var el = document.getElementById(id), width = (el && el.clientWidth) || 1200;
    var cols = d.month ? 1 : 4, slot = (width - 40) / cols, cell = d.month ? 64 : Math.min(40, Math.floor((slot - 60) / 7));
    var calendars = [], series = [], rowH = Math.round(cell * 0.8) * 6 + 70;
    if (!d.month && el) el.style.height = (90 + 3 * rowH + 40) + "px";
    var pieces = d.legend.map(function (l) { return {value: l.level, label: l.name, color: l.colour}; });
    months.forEach(function (m, i) {
      var mm = (m < 10 ? "0" : "") + m, col = i % cols, row = Math.floor(i / cols);
      calendars.push({orient: "vertical", range: d.year + "-" + mm, cellSize: d.month ? [64, 48] : [cell, Math.round(cell * 0.8)],
        left: d.month ? 60 : Math.round(40 + col * slot), top: d.month ? 80 : (70 + row * rowH),
        dayLabel: {firstDay: 1, nameMap: ["日", "一", "二", "三", "四", "五", "六"], fontSize: 11},
        monthLabel: {nameMap: "ZH", fontSize: 13, margin: 8}, yearLabel: {show: false},
        itemStyle: {borderColor: "#ccc", color: "#f4f4f4"}, splitLine: {lineStyle: {color: "#888", width: 1}}});
      var data = d.cells.filter(function (c) { return c.month === m && c.value !== null; })
        .map(function (c) { var item = {value: [c.date, c.value, c.level]}; if (c.level >= 4) item.label = {color: "#fff"}; return item; });
      series.push({type: "heatmap", coordinateSystem: "calendar", calendarIndex: i, data: data,
        label: {show: true, fontSize: d.month ? 13 : 10, formatter: function (p) { return p.value[1]; }, color: "#000"}});
    });
    return chart(id, {title: {text: d.target.name + " " + d.pollutant_name + " " + d.year + "年" + (d.month ? d.month + "月" : ""), left: 10, textStyle: {fontSize: 14}},
      tooltip: {formatter: function (p) { return p.value[0] + "：" + p.value[1]; }},
      visualMap: {type: "piecewise", dimension: 2, pieces: pieces, orient: "horizontal", left: "center", bottom: 0, show: true},
      calendar: calendars, series: series}, name(d, "calendar"));
  }

  function band(names, rows, colour, label) {
    var lo = rows.map(function (r) { return r.lower; }), width = rows.map(function (r) { return r.upper === null ? null : +(r.upper - r.lower).toFixed(3); });
    return [
      {name: label + " 下限", type: "line", data: lo, stack: label, symbol: "none", lineStyle: {opacity: 0}, tooltip: {show: false}},
      {name: label + " 区间", type: "line", data: width, stack: label, symbol: "none", lineStyle: {opacity: 0}, areaStyle: {color: colour, opacity: .25}, tooltip: {show: false}},
      {name: label, type: "line", data: rows.map(function (r) { return r.mean; }), symbolSize: 4, lineStyle: {color: colour, width: 2}, itemStyle: {color: colour}}
    ];
  }

  function lines(id, title, labels, groups, unit, nm) {
    var series = [];
    groups.forEach(function (g) { series = series.concat(band(labels, g.rows, g.colour, g.label)); });
    return chart(id, {title: {text: title, left: 10, textStyle: {fontSize: 14}}, tooltip: {trigger: "axis"},
      legend: {top: 26, data: groups.map(function (g) { return g.label; })}, grid: {left: 50, right: 20, top: 80, bottom: 30},
      xAxis: {type: "category", data: labels, boundaryGap: false}, yAxis: {type: "value", name: unit, scale: true}, series: series}, nm);
  }

  function variation(d) {
    var hours = d.diurnal.map(function (r) { return r.label; });
    lines("diurnal-chart", "日变化（工作日 / 周末）", hours, [
      {label: "工作日", rows: d.diurnal_weekday, colour: "#1f5fa8"}, {label: "周末", rows: d.diurnal_weekend, colour: "#c0504d"},
      {label: "全部", rows: d.diurnal, colour: "#555"}], d.unit, name(d, "diurnal"));
    lines("weekday-chart", "周变化", d.weekday.map(function (r) { return r.label; }), [{label: "均值", rows: d.weekday, colour: "#1f5fa8"}], d.unit, name(d, "weekday"));
    lines("month-chart", "月变化", d.month.map(function (r) { return r.label; }), [{label: "均值", rows: d.month, colour: "#1f5fa8"}], d.unit, name(d, "month"));
    var tl = d.trend_level, data = [], max = 0;
    tl.cells.forEach(function (c) { if (c.mean !== null) { data.push([tl.months.indexOf(c.month), c.hour, c.mean]); max = Math.max(max, c.mean); } });
    chart("level-chart", {title: {text: "小时 × 月 平均 " + d.pollutant_name, left: 10, textStyle: {fontSize: 14}},
      tooltip: {formatter: function (p) { return tl.months[p.value[0]] + " " + p.value[1] + "时：" + p.value[2]; }},
      grid: {left: 50, right: 90, top: 40, bottom: 40}, xAxis: {type: "category", data: tl.months}, yAxis: {type: "category", data: tl.hours, name: "时"},
      visualMap: {min: 0, max: Math.ceil(max), calculable: true, right: 0, top: "middle", inRange: {color: ["#2c7bb6", "#abd9e9", "#ffffbf", "#fdae61", "#d7191c"]}},
      series: [{type: "heatmap", data: data}]}, name(d, "trend-level"));
  }

  function pText(p) { return p < 0.001 ? "p < 0.001" : "p = " + p.toPrecision(2); }

  function trend(id, d) {
    var xs = d.series.map(function (m) { return m.period; });
    var fit = d.series.map(function (m) { var y = +m.period.slice(0, 4) + (+m.period.slice(5, 7) - 1) / 12; return +(d.intercept + d.slope_per_year * y).toFixed(2); });
    var series = [{name: d.deseasonalised ? "去季节月均值" : "月均值", type: "line", data: d.series.map(function (m) { return m.value; }), symbolSize: 6, connectNulls: false, itemStyle: {color: "#1f5fa8"}, lineStyle: {color: "#1f5fa8"}},
                  {name: "Theil–Sen", type: "line", data: fit, symbol: "none", itemStyle: {color: "#c0504d"}, lineStyle: {color: "#c0504d", width: 2}}];
    if (d.deseasonalised) series.push({name: "原始月均值", type: "line", data: d.series.map(function (m) { return m.observed; }), symbol: "none", itemStyle: {color: "#999"}, lineStyle: {color: "#999", type: "dashed"}});
    return chart(id, {title: {text: d.target.name + " " + d.pollutant_name + "：" + (d.slope_per_year > 0 ? "+" : "") + d.slope_per_year.toFixed(2) + " " + d.unit + "/年 [" + d.lower.toFixed(2) + ", " + d.upper.toFixed(2) + "]，" + pText(d.p), left: 10, textStyle: {fontSize: 14}},
      tooltip: {trigger: "axis"}, legend: {top: 26}, grid: {left: 50, right: 20, top: 80, bottom: 30},
      xAxis: {type: "category", data: xs}, yAxis: {type: "value", name: d.unit, scale: true}, series: series}, name(d, "trend"));
  }

  function exceedance(id, d) {
    var names = d.rows.map(function (r) { return r.name; });
    var std = d.rows[0].standards.map(function (s, i) {
      return {name: s.title, type: "bar", data: d.rows.map(function (r) { return r.standards[i].days_over; })};
    });
    return chart(id, {title: {text: "超标天数", left: 10, textStyle: {fontSize: 14}}, tooltip: {trigger: "axis"}, legend: {top: 26},
      color: ["#1f5fa8", "#f79646", "#c0504d"], grid: {left: 50, right: 20, top: 80, bottom: 30},
      xAxis: {type: "category", data: names}, yAxis: {type: "value", name: "天"}, series: std}, name(d, "exceedance"));
  }

  function compare(id, d) {
    var dates = {}; d.series_a.concat(d.series_b).forEach(function (r) { dates[r.date] = 1; });
    var xs = Object.keys(dates).sort();
    function on(series) { var m = {}; series.forEach(function (r) { m[r.date] = r.value; }); return xs.map(function (x) { return x in m ? m[x] : null; }); }
    return chart(id, {title: {text: "B − A = " + d.difference.toFixed(1) + " " + d.unit + " [" + d.lower.toFixed(1) + ", " + d.upper.toFixed(1) + "]", left: 10, textStyle: {fontSize: 14}},
      tooltip: {trigger: "axis"}, legend: {top: 26}, grid: {left: 50, right: 60, top: 80, bottom: 30}, color: ["#1f5fa8", "#c0504d"],
      xAxis: {type: "category", data: xs}, yAxis: {type: "value", name: d.unit},
      series: [{name: "A " + d.a.name + " " + d.a.from + "…" + d.a.to, type: "line", data: on(d.series_a), symbol: "none",
                markLine: {symbol: "none", data: [{yAxis: d.mean_a, name: "A 均值"}], lineStyle: {color: "#1f5fa8"}}},
               {name: "B " + d.b.name + " " + d.b.from + "…" + d.b.to, type: "line", data: on(d.series_b), symbol: "none",
                markLine: {symbol: "none", data: [{yAxis: d.mean_b, name: "B 均值"}], lineStyle: {color: "#c0504d"}}}]}, name(d, "compare"));
  }

  var RAMP = ["#2c7bb6", "#00a6ca", "#00ccbc", "#90eb9d", "#ffff8c", "#f9d057", "#f29e2e", "#e76818", "#d7191c"];

  function polarBars(id, title, sectors, bands, freq, unit, nm, colours) {
    var series = bands.map(function (b, i) {
      return {name: b, type: "bar", coordinateSystem: "polar", stack: "rose", data: freq[i], itemStyle: colours ? {color: colours[i % colours.length]} : undefined};
    });
    return chart(id, {title: {text: title, left: 10, textStyle: {fontSize: 14}}, tooltip: {}, legend: {top: 24, data: bands},
      polar: {center: ["50%", "56%"], radius: "72%"}, angleAxis: {type: "category", data: sectors, startAngle: 90 + 360 / 32, clockwise: true},
      radiusAxis: {name: unit}, series: series}, nm);
  }

  function rose(d) {
    var w = d.wind_rose;
    polarBars("wind-rose", "风玫瑰（风速 m/s，频率 %）", w.sectors, w.bands, w.frequency, "%", name(d, "wind-rose"), RAMP.slice(1));
    if (!d.pollution_rose) return;
    var p = d.pollution_rose;
    polarBars("pollution-rose", d.pollutant_name + " 污染玫瑰（" + d.unit + "，频率 %）", p.sectors, p.bands, p.frequency, "%", name(d, "pollution-rose"),
      ["#00E400", "#FFFF00", "#FF7E00", "#FF0000", "#99004C", "#7E0023"]);
    var pp = d.polar, vals = pp.cells.filter(function (c) { return c.mean !== null; }).map(function (c) { return c.mean; });
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    function colour(v) { if (v === null) return "rgba(0,0,0,0)"; var k = Math.round((v - lo) / ((hi - lo) || 1) * (RAMP.length - 1)); return RAMP[k]; }
    var series = pp.bands.map(function (b, i) {
      return {name: b, type: "bar", coordinateSystem: "polar", stack: "polar", barCategoryGap: 0,
        data: pp.cells.filter(function (c) { return c.band === i; }).map(function (c) { return {value: 1, conc: c.mean, n: c.n, itemStyle: {color: colour(c.mean)}}; })};
    });
    chart("polar-plot", {title: {text: d.pollutant_name + " 平均浓度（" + lo.toFixed(0) + "–" + hi.toFixed(0) + " " + d.unit + "），径向为风速段 m/s", left: 10, textStyle: {fontSize: 14}},
      tooltip: {formatter: function (q) { return q.seriesName + " m/s, " + pp.sectors[q.dataIndex] + "：" + (q.data.conc === null ? "—" : q.data.conc) + "（" + q.data.n + " 小时）"; }},
      visualMap: {type: "continuous", min: lo, max: hi, seriesIndex: [], right: 10, top: "middle", inRange: {color: RAMP}, calculable: false, text: [hi.toFixed(0), lo.toFixed(0)]},
      polar: {center: ["50%", "55%"], radius: "75%"}, angleAxis: {type: "category", data: pp.sectors, startAngle: 90 + 360 / 32, clockwise: true},
      radiusAxis: {type: "value", max: pp.bands.length, interval: 1, axisLabel: {formatter: function (v) { return pp.bands[v - 1] || ""; }}},
      series: series}, name(d, "polar"));
  }

  window.lantianAnalysis = {chart: chart, calendar: calendar, variation: variation, trend: trend, exceedance: exceedance,
                            compare: compare, rose: rose};
})();
