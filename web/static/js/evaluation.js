// Evaluation charts (ECharts, vendored): the ranking as horizontal bars — a click opens the cases
// behind the bar's figure — and the trend of the composite. The numbers come from the page's JSON,
// the same the table beside the chart shows.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("eval-data").textContent);
  if (typeof echarts === "undefined") { return; }
  var charts = [];
  var rankingBox = document.getElementById("ranking-chart");
  if (rankingBox && data.rows.length) {
    var rows = data.rows.slice().reverse().map(function (r) {  // the first rank at the top
      return { code: r.code, name: r.name, value: r.value !== undefined ? r.value : r.cases };
    });
    rankingBox.style.height = Math.max(220, rows.length * 28 + 60) + "px";
    var ranking = echarts.init(rankingBox);
    ranking.setOption({
      animation: false,
      grid: { left: 8, right: 48, top: 10, bottom: 24, containLabel: true },
      xAxis: { type: "value", max: data.max || null },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { width: 110, overflow: "truncate" } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      series: [{ type: "bar", data: rows.map(function (r) { return r.value; }), label: { show: true, position: "right" },
                 itemStyle: { color: "#1f6feb" } }]
    });
    ranking.on("click", function (params) {
      var row = rows[params.dataIndex];
      if (!data.drill) { return; }
      if (data.figure === "composite") {
        var tr = document.querySelector('#ranking-table tr[data-code="' + row.code + '"]');
        if (tr) { tr.scrollIntoView({ block: "center" }); tr.classList.add("flash-row"); }
        return;
      }
      window.location = data.drill + "&code=" + encodeURIComponent(row.code) + "&figure=" + encodeURIComponent(data.figure);
    });
    charts.push(ranking);
  }
  var trendBox = document.getElementById("trend-chart");
  function drawTrend(trendData) {
    trendBox.style.height = "280px";
    var trend = echarts.init(trendBox);
    trend.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 40, bottom: 24, containLabel: true },
      legend: { type: "scroll", top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: trendData.periods },
      yAxis: { type: "value", min: 0, max: 100 },
      series: trendData.series.map(function (s) { return { type: "line", name: s.name, data: s.values, showSymbol: true, symbolSize: 8 }; })
    });
    charts.push(trend);
    trendBox.dataset.state = "ready";
  }
  if (trendBox && data.trend) {
    fetch(data.trend, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(drawTrend)
      .catch(function () { trendBox.dataset.state = "failed"; });
  }
  var mapBox = document.getElementById("map-chart");
  function drawMap(m) {
    mapBox.style.height = "320px";
    var name = "szcg-" + Date.now();
    echarts.registerMap(name, m.geojson);
    var map = echarts.init(mapBox);
    var values = m.values.filter(function (v) { return v.value !== null; }).map(function (v) {
      return { name: v.code, value: v.value, label: v.name };
    });
    map.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        var v = m.values.filter(function (x) { return x.code === p.name; })[0];
        return (v ? v.name : p.name) + ": " + (p.value === undefined || isNaN(p.value) ? "—" : p.value);
      } },
      visualMap: { min: 0, max: data.max || Math.max.apply(null, values.map(function (v) { return v.value; }).concat([1])),
                   left: 0, bottom: 0, calculable: true, inRange: { color: ["#b3261e", "#f6c244", "#137333"] } },
      series: [{ type: "map", map: name, nameProperty: "code", roam: true, data: values,
                 label: { show: true, formatter: function (p) {
                   var v = m.values.filter(function (x) { return x.code === p.name; })[0];
                   return v ? v.name : ""; } } }]
    });
    map.on("click", function (p) {
      if (!data.drill || data.figure === "composite") { return; }
      window.location = data.drill + "&code=" + encodeURIComponent(p.name) + "&figure=" + encodeURIComponent(data.figure);
    });
    charts.push(map);
    mapBox.dataset.state = "ready";
  }
  if (mapBox && data.map) {
    fetch(data.map, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(drawMap)
      .catch(function () { mapBox.dataset.state = "failed"; });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.dataset.charts = "ready";  // the ranking; the trend follows on its own
}());
