/* The digital-literacy profile as a radar chart (data from the json_script "literacy-data");
   the self-assessment form saves on each answer (data-autosubmit in app.js). */
"use strict";

(function () {
  const source = document.getElementById("literacy-data");
  const target = document.getElementById("literacy-radar");
  if (!source || !target || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(target);
  chart.setOption({
    tooltip: {},
    radar: { indicator: data.indicators, radius: "65%" },
    series: [{ type: "radar", data: [{ value: data.values, name: data.label }], areaStyle: { opacity: 0.2 } }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
