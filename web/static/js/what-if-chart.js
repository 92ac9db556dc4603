/* The what-if of a limits table as a chart (ECharts, vendored): the on-time rate of each stage before and
   after the candidate, from the JSON the table beside it shows. The chart is window.szcgWhatIfChart. */
(function () {
  "use strict";
  var box = document.getElementById("what-if-chart");
  var source = document.getElementById("what-if-data");
  if (!box || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }
  var chart = echarts.init(box);
  chart.setOption({
    animation: false,
    legend: { top: 0, data: data.labels },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.stages, axisLabel: { interval: 0, rotate: data.stages.length > 4 ? 30 : 0 } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
    series: [
      { name: data.labels[0], type: "bar", data: data.before.map(pct), itemStyle: { color: "#8aa4c8" } },
      { name: data.labels[1], type: "bar", data: data.after.map(pct), itemStyle: { color: "#1f6feb" },
        label: { show: true, position: "top", formatter: "{c}%" } }
    ]
  });
  window.szcgWhatIfChart = chart;
  window.addEventListener("resize", function () { chart.resize(); });
  box.dataset.state = "ready";
}());
