/* The pilot office's trend chart (ECharts, served locally); data from a json_script element, so
   the page carries no inline script (Content-Security-Policy: script-src 'self'). Missing
   figures are gaps in the lines, never zeros. */
"use strict";

(function () {
  const node = document.getElementById("pilot-trend-data");
  const el = document.getElementById("pilot-trend-chart");
  if (!node || !el) return;
  const d = JSON.parse(node.textContent);
  const chart = echarts.init(el);
  chart.setOption({
    textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
    tooltip: {trigger: "axis"},
    legend: {type: "scroll", top: 0},
    grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
    xAxis: {type: "category", data: d.years},
    yAxis: {type: "value", name: d.label},
    series: d.series.map(s => ({name: s.name, type: "line", data: s.data, connectNulls: false})),
  });
  window.addEventListener("resize", () => chart.resize());
})();
