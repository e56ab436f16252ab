/* Charts of the teacher development pages (ECharts, served locally): the teachers at each
   milestone of a school's growth paths, and the digital-literacy distribution and trend. Data
   from json_script elements, so the pages carry no inline script (script-src 'self'). */
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
    if (!el || !window.echarts) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({textStyle: font}, option));
    charts.push(chart);
  }

  // training/paths_school.html: teachers standing at each milestone, one chart per path.
  const paths = data("paths-data");
  if (paths) {
    paths.paths.forEach(function (p, i) {
      make("path-chart-" + i, {
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
        grid: {left: 8, right: 16, top: 16, bottom: 8, containLabel: true},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", data: p.labels, inverse: true, axisLabel: {width: 120, overflow: "truncate"}},
        series: [{name: paths.label, type: "bar", data: p.values, barMaxWidth: 20, label: {show: true, position: "right"}}],
      });
    });
  }

  // training/literacy_overview.html: histogram per dimension, and the means year by year.
  const lit = data("literacy-overview-data");
  if (lit) {
    make("literacy-histogram-chart", {
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      legend: {type: "scroll", top: 0},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: lit.bins},
      yAxis: {type: "value", minInterval: 1, name: lit.teachers_label},
      series: lit.dimensions.map((name, i) => ({name: name, type: "bar", data: lit.histograms[i]})),
    });
    make("literacy-trend-chart", {
      tooltip: {trigger: "axis"},
      legend: {type: "scroll", top: 0},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: lit.years},
      yAxis: {type: "value", min: 0, max: lit.max, name: lit.mean_label},
      series: lit.dimensions.map((name, i) => ({name: name, type: "line", data: lit.trend[i], connectNulls: false})),
    });
  }
  window.addEventListener("resize", function () { charts.forEach(c => c.resize()); });
})();
