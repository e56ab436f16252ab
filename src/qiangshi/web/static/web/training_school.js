/* A school's training charts (data from the json_script "training-school-data"): teachers per
   band of hours, the completion rate at the end of each year of the cycle, hours by category. */
"use strict";

(function () {
  const source = document.getElementById("training-school-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  function draw(id, series, type) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = window.echarts.init(el);
    chart.setOption({
      color: ["#3b7dd8"],
      tooltip: {trigger: "axis"},
      grid: {left: 8, right: 16, top: 24, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: series.names, axisLabel: {interval: 0, rotate: series.names.length > 5 ? 30 : 0}},
      yAxis: {type: "value", max: type === "line" ? 100 : null},
      series: [{type: type, name: series.label, data: series.values, barMaxWidth: 28, label: {show: type === "bar", position: "top"}}],
    });
    charts.push(chart);
  }
  draw("chart-distribution", data.distribution, "bar");
  draw("chart-completion", data.completion, "line");
  draw("chart-categories", data.categories, "bar");
  window.addEventListener("resize", function () { charts.forEach(c => c.resize()); });
})();
