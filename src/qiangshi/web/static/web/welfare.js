/* Charts of the welfare pages (ECharts, served locally); data from json_script elements, so the
   pages carry no inline script (Content-Security-Policy: script-src 'self'). */
"use strict";

(function () {
  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  const font = {fontFamily: getComputedStyle(document.body).fontFamily};
  const charts = [];
  function make(id, option) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({textStyle: font}, option));
    charts.push(chart);
  }
  const money = v => (v === null || v === undefined) ? "—" : Math.round(v).toLocaleString();

  // welfare/parity.html: the gap of each district, year by year (below zero fails).
  const trend = data("parity-trend-data");
  if (trend) {
    make("parity-trend-chart", {
      tooltip: {trigger: "axis", valueFormatter: money},
      legend: {type: "scroll", top: 0},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: trend.years},
      yAxis: {type: "value", name: trend.gap_label, axisLabel: {formatter: money}},
      series: trend.series.map(s => ({name: s.name, type: "line", data: s.data, connectNulls: false,
        markLine: {silent: true, symbol: "none", data: [{yAxis: 0}], lineStyle: {color: "#c8102e"}}})),
    });
  }

  // welfare/parity_district.html: both averages and the gap.
  const d = data("parity-district-data");
  if (d) {
    make("parity-district-chart", {
      color: ["#1f4e8c", "#98a2b3", "#c8102e"],
      tooltip: {trigger: "axis", valueFormatter: money},
      legend: {top: 0},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: d.years},
      yAxis: [{type: "value", axisLabel: {formatter: money}}, {type: "value", name: d.gap_label, axisLabel: {formatter: money}}],
      series: [
        {name: d.teacher_label, type: "line", data: d.teacher},
        {name: d.civil_label, type: "line", data: d.civil},
        {name: d.gap_label, type: "bar", yAxisIndex: 1, data: d.gap, barMaxWidth: 24},
      ],
    });
  }

  // welfare/burden.html: demands and teacher-hours by year.
  const b = data("burden-trend-data");
  if (b) {
    make("burden-trend-chart", {
      color: ["#3b7dd8", "#f2a65a"],
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: b.years},
      yAxis: [{type: "value", minInterval: 1}, {type: "value"}],
      series: [
        {name: b.count_label, type: "bar", data: b.count, barMaxWidth: 24},
        {name: b.hours_label, type: "line", yAxisIndex: 1, data: b.hours},
      ],
    });
  }
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();
