/* 首页 — the city dashboard: county map coloured by AQI category, 30-day AQI trend, station table.
 *
 * Works on a page with <div id="map">, <div id="trend">, <input id="day" type="date"> and
 * optionally <tbody id="station-rows">, <tbody id="county-rows">, <p id="rule">,
 * <button id="day-prev">, <button id="day-next">, <span id="day-label">.
 * Data: GET /api/dashboard[?date=YYYY-MM-DD] and GET /api/geo/counties (GeoJSON, properties
 * adcode, name). Needs only window.echarts (served locally from /static/vendor/); no build step.
 *
 * Public: window.LantianDashboard = {init, load, fillStationRows, fillCountyRows,
 *         mapOption, trendOption, CATEGORIES}  (also module.exports under Node, for tests).
 */
(function (root) {
  "use strict";

  var MAP_NAME = "lantian-counties";
  var NO_DATA = "#bfbfbf";
  /* HJ 633—2012 Table 2 (the legend; each value's own colour comes from the API) */
  var CATEGORIES = [
    { level: 1, name: "优", range: "0–50", colour: "#00E400" },
    { level: 2, name: "良", range: "51–100", colour: "#FFFF00" },
    { level: 3, name: "轻度污染", range: "101–150", colour: "#FF7E00" },
    { level: 4, name: "中度污染", range: "151–200", colour: "#FF0000" },
    { level: 5, name: "重度污染", range: "201–300", colour: "#99004C" },
    { level: 6, name: "严重污染", range: ">300", colour: "#7E0023" }
  ];

  function dash(v) { return v === null || v === undefined || v === "" ? "—" : String(v); }
  function shortDate(iso) { return iso ? iso.slice(5) : ""; }

  /* ------------------------------------------------------------------ tables */
  function chip(doc, row) {
    var span = doc.createElement("span");
    span.className = "aqi-chip aqi-l" + (row.level || "none");
    span.style.backgroundColor = row.colour || NO_DATA;
    span.textContent = row.category || "无数据";
    return span;
  }

  function cell(doc, tr, content, cls) {
    var td = doc.createElement("td");
    if (cls) td.className = cls;
    if (content && content.nodeType) td.appendChild(content); else td.textContent = dash(content);
    tr.appendChild(td);
    return td;
  }

  /** Fill <tbody id="station-rows"> (or `tbody`) with the stations of a /api/dashboard answer:
   *  编号, 名称, 区县, AQI, 前一日, 类别 (colour chip), 首要污染物. Returns the number of rows. */
  function fillStationRows(data, tbody) {
    var doc = root.document;
    tbody = tbody || (doc && doc.getElementById("station-rows"));
    if (!tbody) return 0;
    doc = tbody.ownerDocument || doc;
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    var rows = (data && data.stations) || [];
    if (!rows.length) {
      var tr0 = doc.createElement("tr");
      var td0 = cell(doc, tr0, "没有可查看的站点", "empty");
      td0.colSpan = 7;
      tbody.appendChild(tr0);
      return 0;
    }
    rows.forEach(function (s) {
      var tr = doc.createElement("tr");
      if (s.control_point) tr.className = "control-point";
      cell(doc, tr, s.code, "code");
      var name = cell(doc, tr, s.name);
      if (s.control_point) {
        var tag = doc.createElement("span");
        tag.className = "tag";
        tag.title = "对照点不参与区县评价";
        tag.textContent = "对照点";
        name.appendChild(doc.createTextNode(" "));
        name.appendChild(tag);
      } else if (s.official === false) {
        /* 省控、市控、乡镇、微站: shown, never in a county's value */
        var other = doc.createElement("span");
        other.className = "network unofficial";
        other.title = "不参与区县评价";
        other.textContent = (s.network_name || "其他") + "·不参与评价";
        name.appendChild(doc.createTextNode(" "));
        name.appendChild(other);
      }
      cell(doc, tr, s.county_name || s.county_code);
      cell(doc, tr, s.aqi, "num");
      cell(doc, tr, s.aqi_previous, "num");
      cell(doc, tr, chip(doc, s));
      cell(doc, tr, s.primary);
      tbody.appendChild(tr);
    });
    return rows.length;
  }

  /** Fill <tbody id="county-rows"> with 区县, AQI, 前一日, 类别, 首要污染物, 站点数. */
  function fillCountyRows(data, tbody) {
    var doc = root.document;
    tbody = tbody || (doc && doc.getElementById("county-rows"));
    if (!tbody) return 0;
    doc = tbody.ownerDocument || doc;
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    var rows = (data && data.counties) || [];
    rows.forEach(function (c) {
      var tr = doc.createElement("tr");
      cell(doc, tr, c.name);
      cell(doc, tr, c.aqi, "num");
      cell(doc, tr, c.aqi_previous, "num");
      cell(doc, tr, chip(doc, c));
      cell(doc, tr, c.primary);
      cell(doc, tr, c.n_valid !== undefined ? c.n_valid + " / " + c.n_stations : c.n_stations, "num");
      tbody.appendChild(tr);
    });
    return rows.length;
  }

  /* ------------------------------------------------------------------ charts */
  /** The GeoJSON with each feature named by its adcode (string), so counties match by code. */
  function keyedGeo(geo) {
    var labels = {};
    var features = (geo.features || []).map(function (f) {
      var p = f.properties || {};
      var code = String(p.adcode !== undefined ? p.adcode : p.code);
      labels[code] = p.name || code;
      var props = {};
      for (var k in p) if (Object.prototype.hasOwnProperty.call(p, k)) props[k] = p[k];
      props.label = props.name;
      props.name = code;
      return { type: "Feature", geometry: f.geometry, properties: props };
    });
    return { geo: { type: "FeatureCollection", features: features }, labels: labels };
  }

  /** ECharts option of the county map for one /api/dashboard answer. */
  function mapOption(data, labels) {
    var byCode = {};
    (data.counties || []).forEach(function (c) { byCode[c.code] = c; });
    var items = Object.keys(labels).map(function (code) {
      var c = byCode[code];
      var colour = c && c.aqi !== null && c.aqi !== undefined ? c.colour : NO_DATA;
      return {
        name: code, value: c ? c.aqi : null, county: c || { name: labels[code] },
        itemStyle: { areaColor: colour },
        emphasis: { itemStyle: { areaColor: colour, borderColor: "#1f3b63", borderWidth: 2 } }
      };
    });
    return {
      title: { text: "各区县空气质量指数（AQI）", subtext: data.date, left: "center", textStyle: { fontSize: 15 } },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var c = (p.data && p.data.county) || { name: labels[p.name] || p.name };
          if (c.aqi === null || c.aqi === undefined) return (c.name || labels[p.name]) + "<br/>无数据";
          return c.name + "<br/>AQI：" + c.aqi + "（" + c.category + "）" +
            "<br/>首要污染物：" + dash(c.primary) +
            (c.aqi_previous !== null && c.aqi_previous !== undefined ? "<br/>前一日：" + c.aqi_previous : "") +
            (c.n_stations !== undefined ? "<br/>有效站点：" + dash(c.n_valid) + " / " + c.n_stations : "");
        }
      },
      series: [{
        type: "map", map: MAP_NAME, roam: true, selectedMode: false,
        label: {
          show: true, color: "#1a1a1a", fontSize: 11,
          formatter: function (p) {
            var c = p.data && p.data.county;
            var v = c && c.aqi !== null && c.aqi !== undefined ? "\n" + c.aqi : "";
            return (labels[p.name] || p.name) + v;
          }
        },
        itemStyle: { borderColor: "#ffffff", borderWidth: 1, areaColor: NO_DATA },
        emphasis: { label: { show: true, color: "#000" } },
        data: items
      }]
    };
  }

  /** ECharts option of the 30-day AQI line per county, with the 100 and 200 lines marked. */
  function trendOption(data) {
    var names = {};
    (data.counties || []).forEach(function (c) { names[c.code] = c.name; });
    var codes = Object.keys((data.series && data.series.counties) || {});
    var series = codes.map(function (code, i) {
      var s = {
        name: names[code] || code, type: "line", connectNulls: false, symbolSize: 4,
        data: data.series.counties[code]
      };
      if (i === 0) {
        s.markLine = {
          silent: true, symbol: "none",
          lineStyle: { type: "dashed" },
          data: [
            { yAxis: 100, name: "100", lineStyle: { color: "#e6a700" }, label: { formatter: "100 达标线" } },
            { yAxis: 200, name: "200", lineStyle: { color: "#d40000" }, label: { formatter: "200 中度污染上限" } }
          ],
          label: { position: "insideEndTop", color: "#555" }
        };
      }
      return s;
    });
    return {
      title: { text: "近30天各区县AQI", left: "center", textStyle: { fontSize: 15 } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return dash(v); } },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 44, right: 24, top: 48, bottom: 48 },
      xAxis: { type: "category", data: ((data.series && data.series.dates) || []).map(shortDate), boundaryGap: false },
      yAxis: { type: "value", name: "AQI", min: 0, max: function (v) { return Math.max(220, Math.ceil(v.max / 50) * 50); } },
      series: series
    };
  }

  /* ------------------------------------------------------------------ page */
  var state = { map: null, trend: null, labels: null, geoReady: null, noGeo: false, seq: 0 };

  function $(id) { return root.document.getElementById(id); }

  function message(text, kind) {
    var box = $("dashboard-message");
    if (!box) {
      var anchor = $("map") || $("trend");
      if (!anchor || !anchor.parentNode) return;
      box = root.document.createElement("p");
      box.id = "dashboard-message";
      anchor.parentNode.insertBefore(box, anchor);
    }
    box.className = text ? "flash " + (kind || "error") : "";
    box.textContent = text || "";
    box.hidden = !text;
  }

  function getJSON(url) {
    return root.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { root.location.href = "/login?next=" + encodeURIComponent(root.location.pathname); }
        if (!r.ok) throw new Error(url + "：HTTP " + r.status);
        return r.json();
      });
  }

  function loadGeo() {
    if (!state.geoReady) {
      state.geoReady = getJSON("/api/geo/counties").then(function (geo) {
        var k = keyedGeo(geo);
        state.noGeo = !k.geo.features.length;        /* a new workspace: no boundaries imported yet */
        if (state.noGeo) return;
        root.echarts.registerMap(MAP_NAME, k.geo);
        state.labels = k.labels;
      });
    }
    return state.geoReady;
  }

  function legend() {
    var el = $("map");
    if (!el || $("aqi-legend")) return;
    var doc = root.document;
    var ul = doc.createElement("ul");
    ul.id = "aqi-legend";
    ul.className = "aqi-legend";
    CATEGORIES.concat([{ level: "none", name: "无数据", range: "", colour: NO_DATA }]).forEach(function (c) {
      var li = doc.createElement("li");
      li.appendChild(chip(doc, { level: c.level === "none" ? null : c.level, colour: c.colour, category: c.name }));
      if (c.range) li.appendChild(doc.createTextNode(" " + c.range));
      ul.appendChild(li);
    });
    el.parentNode.insertBefore(ul, el.nextSibling);
  }

  function render(data) {
    var day = $("day");
    if (day) {
      day.value = data.date;
      if (data.first) day.min = data.first;
      if (data.latest) day.max = data.latest;
    }
    var label = $("day-label");
    if (label) label.textContent = data.date + (data.latest && data.date !== data.latest ? "（最新有数据日：" + data.latest + "）" : "");
    var rule = $("rule");
    if (rule) rule.textContent = data.rule || "";
    fillStationRows(data);
    fillCountyRows(data);
    if (state.map && state.labels) state.map.setOption(mapOption(data, state.labels), true);
    if (state.trend && data.latest) state.trend.setOption(trendOption(data), true);
    var hints = emptyHints(data, state.noGeo);
    if (hints) message(hints, "warning");
  }

  /** What a new workspace lacks, in words (empty string when nothing is missing). */
  function emptyHints(data, noGeo) {
    var hints = [];
    if (noGeo) hints.push("尚无区县边界：先导入站点与区县边界（lantian import stations 站点.csv --boundaries 区县边界.json）");
    if (!data.latest) hints.push("尚无监测数据：用 lantian import wide 小时数据.csv 导入（docs/onboarding.md 第 2、3 步）");
    return hints.join("；");
  }

  /** Load and draw the dashboard of `date` (YYYY-MM-DD; empty: the latest day with data). */
  function load(date) {
    var seq = ++state.seq;
    var url = "/api/dashboard" + (date ? "?date=" + encodeURIComponent(date) : "");
    var geo = state.map ? loadGeo().catch(function (e) { message("区县边界加载失败：" + e.message); }) : null;
    return Promise.all([getJSON(url), geo]).then(function (res) {
      if (seq !== state.seq) return null;                    /* a later request won */
      message("");
      render(res[0]);
      if (root.history && root.history.replaceState) {
        root.history.replaceState(null, "", root.location.pathname + (date ? "?date=" + res[0].date : ""));
      }
      return res[0];
    }).catch(function (e) {
      if (seq === state.seq) message("数据加载失败：" + e.message);
      return null;
    });
  }

  function shift(days) {
    var day = $("day");
    if (!day || !day.value) return;
    var d = new Date(day.value + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    var iso = d.toISOString().slice(0, 10);
    if (day.max && iso > day.max) return;
    if (day.min && iso < day.min) return;
    day.value = iso;
    load(iso);
  }

  /** Set up the page: charts, date input, and the first load: ?date= of the URL, else the input's
   *  data-date attribute, else the latest day with data (the input's initial value is ignored). */
  function init() {
    if (!$("map") && !$("trend") && !$("station-rows")) return null;
    if (!root.echarts) {
      message("图表库未加载：请运行 npm ci 与 python scripts/vendor_assets.py");
    } else {
      if ($("map")) { state.map = root.echarts.init($("map")); legend(); }
      if ($("trend")) state.trend = root.echarts.init($("trend"));
      root.addEventListener("resize", function () {
        if (state.map) state.map.resize();
        if (state.trend) state.trend.resize();
      });
    }
    var day = $("day");
    if (day) day.addEventListener("change", function () { load(day.value); });
    if ($("day-prev")) $("day-prev").addEventListener("click", function () { shift(-1); });
    if ($("day-next")) $("day-next").addEventListener("click", function () { shift(1); });
    var wanted = new root.URLSearchParams(root.location.search).get("date");
    return load(wanted || (day && day.getAttribute("data-date")) || "");
  }

  var api = {
    init: init, load: load, fillStationRows: fillStationRows, fillCountyRows: fillCountyRows,
    mapOption: mapOption, trendOption: trendOption, keyedGeo: keyedGeo, emptyHints: emptyHints,
    CATEGORIES: CATEGORIES
  };
  root.LantianDashboard = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;

  if (root.document) {
    if (root.document.readyState === "loading") root.document.addEventListener("DOMContentLoaded", init);
    else init();
  }
})(typeof window !== "undefined" ? window : globalThis);
