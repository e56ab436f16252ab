/* Charts of the pages that draw them (ECharts, served locally). Each block runs only when its
   page's data element is present; the data comes from json_script elements, so the pages carry
   no inline script (Content-Security-Policy: script-src 'self'). */
"use strict";

function qsData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

// --- dashboard.html
(function () {
  const data = qsData("dashboard-data");
  if (!data) return;
  const palette = ["#1f4e8c", "#3b7dd8", "#6aa5e8", "#9cc3f0", "#c8102e", "#e86a5c", "#f2a65a", "#7cb342", "#8e7cc3", "#98a2b3"];
  const charts = [];
  function make(id, option) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({color: palette, textStyle: {fontFamily: getComputedStyle(document.body).fontFamily}}, option));
    charts.push(chart);
  }
  function bar(id, series, horizontal) {
    const names = series.map(s => s.name), values = series.map(s => s.value);
    const cat = {type: "category", data: names,
                 axisLabel: {interval: 0, overflow: "truncate", width: horizontal ? 130 : 90, rotate: !horizontal && names.length > 4 ? 30 : 0}};
    const val = {type: "value", minInterval: 1, axisLabel: {hideOverlap: true}};
    // Room for the value labels beside the bars (a bar label is not counted by containLabel).
    const widest = Math.max(0, ...values.map(v => v.toLocaleString().length));
    make(id, {
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      grid: {left: 20, right: horizontal ? 16 + 8 * widest : 28, top: horizontal ? 16 : 24, bottom: 8, containLabel: true},
      xAxis: horizontal ? val : cat, yAxis: horizontal ? Object.assign(cat, {inverse: true}) : val,
      series: [{type: "bar", data: values, barMaxWidth: 28,
                label: {show: true, position: horizontal ? "right" : "top", formatter: o => o.value.toLocaleString()}}],
    });
  }
  function pie(id, series) {
    // The legend names every slice with its count (a long name wraps, none is cut); the ring
    // labels only slices large enough to carry one, so small slices never pile up their labels.
    const counts = Object.fromEntries(series.map(s => [s.name, s.value]));
    make(id, {
      tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
      legend: {type: "scroll", orient: "vertical", right: 4, top: "middle", width: "42%",
               formatter: name => `${name}  ${(counts[name] ?? 0).toLocaleString()}`,
               textStyle: {width: 150, overflow: "break"}},
      series: [{type: "pie", radius: ["45%", "72%"], center: ["30%", "50%"], data: series,
                avoidLabelOverlap: true, minShowLabelAngle: 10,
                label: {position: "inside", formatter: o => (o.percent >= 5 ? `${Math.round(o.percent)}%` : ""),
                        color: "#fff", fontWeight: "bold"},
                labelLine: {show: false}, itemStyle: {borderColor: "#fff", borderWidth: 2}}],
    });
  }
  pie("chart-stage", data.stage);
  bar("chart-title", data.title, true);
  bar("chart-education", data.education, false);
  pie("chart-employment", data.employment_type);
  const p = data.pyramid;
  make("chart-pyramid", {
    color: ["#3b7dd8", "#e86a5c"],
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, valueFormatter: v => Math.abs(v)},
    legend: {data: [p.male_label, p.female_label], top: 0},
    grid: {left: 8, right: 24, top: 30, bottom: 8, containLabel: true},
    xAxis: {type: "value", axisLabel: {formatter: v => Math.abs(v)}, minInterval: 1},
    yAxis: {type: "category", data: p.bands, axisTick: {show: false}},
    series: [
      {name: p.male_label, type: "bar", stack: "age", data: p.male.map(v => -v),
       label: {show: true, position: "left", formatter: o => o.value ? Math.abs(o.value) : ""}},
      {name: p.female_label, type: "bar", stack: "age", data: p.female,
       label: {show: true, position: "right", formatter: o => o.value || ""}},
    ],
  });
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();

// --- staffing/district.html
(function () {
  const c = qsData("staffing-data");
  if (!c) return;
  const el = document.getElementById("staffing-chart");
  if (!el) return;
  // Many schools: horizontal bars (names read across), a window of 15 at a time to scroll.
  const many = c.names.length > 12;
  const names = {type: "category", data: c.names, axisLabel: {interval: 0, overflow: "truncate", width: many ? 160 : 90, rotate: !many && c.names.length > 6 ? 35 : 0}};
  const values = {type: "value"};
  if (many) {
    names.inverse = true;
    el.style.height = "520px";
  }
  const chart = echarts.init(el);
  chart.setOption({
    textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {top: 0},
    grid: {left: 12, right: many ? 40 : 24, top: 32, bottom: 8, containLabel: true},
    xAxis: many ? values : names,
    yAxis: many ? names : values,
    dataZoom: many ? [{type: "slider", yAxisIndex: 0, right: 4, width: 16, startValue: 0, endValue: 14, filterMode: "empty"},
                      {type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true}] : [],
    series: [
      {type: "bar", name: c.labels.quota, data: c.quota, itemStyle: {color: "#3b7dd8"}, barMaxWidth: 24},
      {type: "bar", name: c.labels.established, data: c.established, stack: "staff", itemStyle: {color: "#e8a33c"}, barMaxWidth: 24},
      {type: "bar", name: c.labels.other, data: c.other, stack: "staff", itemStyle: {color: "#b9c3d0"}, barMaxWidth: 24},
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();

// --- staffing/forecast.html
(function () {
  const c = qsData("forecast-data");
  if (!c) return;
  const chart = echarts.init(document.getElementById("forecast-chart"));
  chart.setOption({
    textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 12, right: 24, top: 32, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: c.years},
    yAxis: {type: "value"},
    series: [
      {type: "bar", name: c.labels.gap, barMaxWidth: 28,
       data: c.gap.map(v => ({value: v, itemStyle: {color: v > 0 ? "#e86a5c" : "#3b7dd8"}}))},
      {type: "line", name: c.labels.recruit, data: c.recruit, itemStyle: {color: "#e8a33c"}},
    ],
  });
  window.addEventListener("resize", () => chart.resize());
  const data = document.getElementById("scenario-data");
  if (data) {
    const sc = JSON.parse(data.textContent);
    const diff = echarts.init(document.getElementById("scenario-chart"));
    diff.setOption({
      textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 12, right: 24, top: 32, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: sc.years},
      yAxis: {type: "value"},
      series: [
        {type: "bar", name: sc.labels.difference, barMaxWidth: 24,
         data: sc.difference.map(v => ({value: v, itemStyle: {color: v > 0 ? "#e86a5c" : "#4caf7d"}}))},
        {type: "line", name: sc.labels.baseline, data: sc.baseline, itemStyle: {color: "#8a94a6"}},
        {type: "line", name: sc.labels.scenario, data: sc.scenario, itemStyle: {color: "#3b7dd8"}},
      ],
    });
    window.addEventListener("resize", () => diff.resize());
  }
})();

// --- balance/district.html
(function () {
  const data = qsData("balance-data");
  if (!data) return;
  const charts = [];
  data.forEach(function (c) {
    const el = document.getElementById(c.id);
    if (!el) return;
    const chart = echarts.init(el);
    const lines = [{name: c.minimum_label, yAxis: c.minimum, lineStyle: {color: "#c8102e", type: "dashed"},
                    label: {formatter: c.minimum_label + " {c}", position: "insideEndTop"}}];
    if (c.mean !== null) lines.push({name: c.mean_label, yAxis: c.mean, lineStyle: {color: "#667085", type: "dotted"},
                    label: {formatter: c.mean_label + " {c}", position: "insideStartTop"}});
    chart.setOption({
      textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
      tooltip: {trigger: "item"},
      grid: {left: 12, right: 24, top: 24, bottom: c.names.length > 15 ? 36 : 8, containLabel: true},
      xAxis: {type: "category", data: c.names, axisLabel: {interval: 0, rotate: c.names.length > 6 ? 35 : 0, overflow: "truncate", width: 90}},
      // Many schools: 15 at a time, the slider below scrolls (their names stay readable).
      dataZoom: c.names.length > 15 ? [{type: "slider", xAxisIndex: 0, height: 14, bottom: 4, startValue: 0, endValue: 14},
                                       {type: "inside", xAxisIndex: 0, zoomOnMouseWheel: false}] : [],
      yAxis: {type: "value"},
      series: [{type: "bar", barMaxWidth: 28, name: c.label,
                data: c.values.map((v, i) => ({value: v, itemStyle: {color: c.met[i] ? "#3b7dd8" : "#e86a5c"}})),
                markLine: {symbol: "none", silent: true, data: lines}},
               // invisible: keeps the minimum inside the axis when every school is below it
               {type: "line", data: c.names.map(() => c.minimum), symbol: "none", silent: true,
                lineStyle: {opacity: 0}, tooltip: {show: false}}],
    });
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach(ch => ch.resize()));
})();
(function () {
  const h = qsData("history-data");
  if (!h) return;
  const el = document.getElementById("history-chart");
  if (!el) return;
  const chart = echarts.init(el);
  const series = h.series.map(s => ({type: "line", name: s.name, data: s.values, connectNulls: false, symbolSize: 6}));
  series.push({type: "line", name: h.limit_label, data: h.limit, symbol: "none",
               lineStyle: {color: "#c8102e", type: "dashed"}, itemStyle: {color: "#c8102e"}});
  chart.setOption({
    textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
    tooltip: {trigger: "axis"},
    legend: {type: "scroll", top: 0},
    grid: {left: 12, right: 24, top: 36, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: h.years, boundaryGap: false},
    yAxis: {type: "value", min: 0},
    series: series,
  });
  window.addEventListener("resize", () => chart.resize());
})();

// --- rotation/plan.html
(function () {
  const node = document.getElementById("tradeoff-data");
  const el = document.getElementById("tradeoff-chart");
  if (!node || !el) return;
  const t = JSON.parse(node.textContent);
  if (!t.moves.length) return;
  const chart = echarts.init(el);
  chart.setOption({
    textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
    tooltip: {trigger: "item", formatter: (p) => t.x_label + " " + p.value[0] + "<br>" + t.y_label + " " + p.value[1]},
    grid: {left: 12, right: 24, top: 24, bottom: 28, containLabel: true},
    xAxis: {type: "value", name: t.x_label, nameLocation: "middle", nameGap: 24, scale: true},
    yAxis: {type: "value", name: t.y_label, scale: true},
    series: [{
      type: "line", symbolSize: 10,
      data: t.moves.map((m, i) => ({value: [m, t.gain[i]], itemStyle: {color: t.chosen[i] ? "#d9480f" : "#3b7dd8"}})),
      lineStyle: {color: "#b9c3d0"},
    }],
  });
  window.addEventListener("resize", () => chart.resize());
})();
(function () {
  const c = qsData("cv-data");
  if (!c) return;
  const el = document.getElementById("cv-chart");
  if (!el || !c.labels.length) return;
  const chart = echarts.init(el);
  chart.setOption({
    textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 12, right: 24, top: 32, bottom: 8, containLabel: true},
    yAxis: {type: "category", data: c.labels, axisLabel: {width: 180, overflow: "truncate"}},
    xAxis: {type: "value"},
    series: [
      {type: "bar", name: c.before_label, data: c.before, itemStyle: {color: "#b9c3d0"}},
      {type: "bar", name: c.after_label, data: c.after, itemStyle: {color: "#3b7dd8"}},
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
