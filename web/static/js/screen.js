/* The wall screen (大屏). The layout (panels, grid positions, refresh) comes from config.yaml through
   <body data-screen>; the data from the snapshot (once, then every points_refresh_seconds) and the
   delta (every poll_seconds: the cases that moved since the cursor). Points are
   [lon, lat, light, emergency, case_no], light an index of snapshot.lights. Built to run all day:
   markers live in one Map keyed by case number, charts are created once and only fed new options,
   one case card element is reused, and a failed poll backs off and reconnects by itself. */
(function () {
  "use strict";

  var body = document.body;
  var cfg = JSON.parse(body.getAttribute("data-screen"));
  var T = JSON.parse(body.getAttribute("data-labels"));
  var layout = cfg.layout;
  var LIGHT_COLOURS = ["#6b8bab", "#2ea043", "#d4a017", "#d0312d"];
  var LIGHT_NAMES = [null, "green", "yellow", "red"];
  var state = { cursor: 0, markers: new Map(), charts: {}, polling: false, failures: 0, panelsDue: null };

  /* -- layout ------------------------------------------------------------------------- */
  var grid = document.querySelector(".screen-grid");
  grid.style.gridTemplateColumns = "repeat(" + layout.columns + ", minmax(0, 1fr))";
  grid.style.gridTemplateRows = "repeat(" + layout.rows + ", minmax(0, 1fr))";
  document.querySelectorAll(".panel").forEach(function (el) {
    var at = el.getAttribute("data-at").split(",").map(Number);
    el.style.gridColumn = at[0] + " / span " + at[2];
    el.style.gridRow = at[1] + " / span " + at[3];
  });

  function text(id, value) { var el = document.getElementById(id); if (el) { el.textContent = value; } }
  function clock() {
    text("screen-clock", new Date().toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }));
  }
  clock();
  setInterval(clock, 1000);

  /* -- map ---------------------------------------------------------------------------- */
  var mapEl = document.getElementById("panel-map");
  var map = null, cluster = null, emergencies = null, gridsLayer = null, cameraLayer = null, inspectorLayer = null;
  if (mapEl) {
    map = L.map(mapEl, { preferCanvas: true, attributionControl: false, zoomControl: false, maxZoom: 19, minZoom: 5 })
      .setView(cfg.center, 12);
    if (cfg.tiles) { L.tileLayer(cfg.tiles, { maxZoom: 19 }).addTo(map); }
    var districts = L.geoJSON(null, { interactive: false, style: { color: "#3d8fd9", weight: 2, fillOpacity: 0.04 } }).addTo(map);
    gridsLayer = L.geoJSON(null, { interactive: false, style: { color: "#2a5b88", weight: 1, fillOpacity: 0 } }).addTo(map);
    cluster = L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 50, showCoverageOnHover: false,
                                     iconCreateFunction: clusterIcon });
    map.addLayer(cluster);
    emergencies = L.layerGroup().addTo(map);  // never hidden inside a cluster
    cameraLayer = L.layerGroup().addTo(map);
    inspectorLayer = L.layerGroup().addTo(map);
    fetch(cfg.districtsUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.features.length) { districts.addData(data); map.fitBounds(districts.getBounds()); }
      }).catch(function () { /* the points still show */ });
    var gridTimer = null;
    map.on("moveend", function () { clearTimeout(gridTimer); gridTimer = setTimeout(loadGrids, 300); });
  }

  function loadGrids() {
    gridsLayer.clearLayers();
    if (map.getZoom() < 14) { return; }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
    fetch(cfg.gridsUrl + "?bbox=" + bbox.join(","), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { gridsLayer.clearLayers(); gridsLayer.addData(data); } })
      .catch(function () { /* offline */ });
  }

  function clusterIcon(c) {
    var worst = 0;
    c.getAllChildMarkers().forEach(function (m) { if (m.szcg[2] > worst) { worst = m.szcg[2]; } });
    var n = c.getChildCount(), size = n < 100 ? 34 : n < 1000 ? 42 : 52;
    return L.divIcon({ html: "<span>" + n + "</span>", className: "cluster cluster-" + (LIGHT_NAMES[worst] || "none"),
                       iconSize: L.point(size, size) });
  }

  function makeMarker(p) {
    var m = p[3]
      ? L.circleMarker([p[1], p[0]], { radius: 9, color: "#ff2bd6", weight: 3, fillColor: LIGHT_COLOURS[p[2]],
                                       fillOpacity: 1, className: "emergency-ring" })
      : L.circleMarker([p[1], p[0]], { radius: 6, color: "#fff", weight: 1, fillColor: LIGHT_COLOURS[p[2]],
                                       fillOpacity: 0.95 });
    m.szcg = p;
    m.on("click", function () { openCard(p[4]); });
    return m;
  }

  function same(a, b) { return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3]; }

  function layerOf(p) { return p[3] ? emergencies : cluster; }

  function upsert(p) {
    var old = state.markers.get(p[4]);
    if (old && same(old.szcg, p)) { return; }
    if (old) { layerOf(old.szcg).removeLayer(old); }
    var m = makeMarker(p);
    state.markers.set(p[4], m);
    if (map) { layerOf(p).addLayer(m); }
  }

  function remove(caseNo) {
    var old = state.markers.get(caseNo);
    if (!old) { return; }
    if (map) { layerOf(old.szcg).removeLayer(old); }
    state.markers.delete(caseNo);
  }

  function showTotal() { text("screen-total", state.markers.size + " " + T.open); }

  function loadPoints(points) {
    var seen = new Set();
    var fresh = [];
    points.forEach(function (p) {
      seen.add(p[4]);
      var old = state.markers.get(p[4]);
      if (old && same(old.szcg, p)) { return; }
      if (old) { layerOf(old.szcg).removeLayer(old); }
      var m = makeMarker(p);
      state.markers.set(p[4], m);
      if (p[3]) { emergencies.addLayer(m); } else { fresh.push(m); }
    });
    Array.from(state.markers.keys()).forEach(function (no) { if (!seen.has(no)) { remove(no); } });
    if (cluster && fresh.length) { cluster.addLayers(fresh); }  // one batch: clustering runs once
    showTotal();
  }

  /* -- the case card ------------------------------------------------------------------ */
  var card = document.getElementById("case-card");
  function openCard(caseNo) {
    fetch(cfg.caseUrl.replace("CASE_NO", encodeURIComponent(caseNo)), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) { if (c) { fillCard(c); } }).catch(function () { /* next click */ });
  }

  function row(dl, name, value) {
    if (!value) { return; }
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = name; dd.textContent = value;
    dl.appendChild(dt); dl.appendChild(dd);
  }

  function link(parent, href, label, cls) {
    var a = document.createElement("a");
    a.href = href; a.textContent = label; a.className = cls; a.target = "_blank"; a.rel = "noopener";
    parent.appendChild(a);
  }

  function fillCard(c) {
    card.textContent = "";
    var close = document.createElement("button");
    close.className = "close"; close.type = "button"; close.textContent = "×";
    close.addEventListener("click", function () { card.hidden = true; });
    var h = document.createElement("h3");
    h.textContent = c.case_no;
    var dl = document.createElement("dl");
    row(dl, "", c["class"]);
    row(dl, "", c.description);
    row(dl, "", [c.district, c.grid, c.address].filter(Boolean).join(" · "));
    row(dl, "", c.department);
    c.tasks.forEach(function (t) { row(dl, t.light ? T.lights[t.light] : "", t.name); });
    card.appendChild(close); card.appendChild(h); card.appendChild(dl);
    link(card, cfg.casePage.replace("CASE_NO", encodeURIComponent(c.case_no)), T.openCase, "card-case");
    if (c.task_id) { link(card, cfg.taskPage.replace("TASK_ID", encodeURIComponent(c.task_id)), T.openTask, "card-task"); }
    card.setAttribute("data-case", c.case_no);
    card.hidden = false;
  }

  /* -- panels ------------------------------------------------------------------------- */
  var AXIS = { axisLabel: { color: "#9fbad6" }, axisLine: { lineStyle: { color: "#2a5b88" } },
               splitLine: { lineStyle: { color: "#173f66" } } };
  function chart(kind) {
    var el = document.getElementById("panel-" + kind);
    if (!el) { return null; }
    if (!state.charts[kind]) { state.charts[kind] = echarts.init(el, null, { renderer: "canvas" }); }
    return state.charts[kind];
  }
  function fontSize() { return parseFloat(getComputedStyle(document.documentElement).fontSize); }

  var draw = {
    stages: function (data) {
      var keys = Object.keys(T.stages), c = chart("stages");
      if (!c) { return; }
      c.setOption({
        textStyle: { fontSize: fontSize() * 0.85 }, grid: { left: "12%", right: "4%", top: 28, bottom: 24 },
        legend: { data: [T.today, T.month], textStyle: { color: "#d7e6f5" } },
        xAxis: Object.assign({ type: "category", data: keys.map(function (k) { return T.stages[k]; }) }, AXIS),
        yAxis: Object.assign({ type: "value" }, AXIS),
        series: [{ name: T.today, type: "bar", data: keys.map(function (k) { return data[k].today; }), itemStyle: { color: "#3dd6ff" } },
                 { name: T.month, type: "bar", data: keys.map(function (k) { return data[k].month; }), itemStyle: { color: "#3d6fd9" } }]
      });
    },
    sources: function (data) {
      var c = chart("sources");
      if (!c) { return; }
      c.setOption({
        tooltip: {}, legend: { orient: "vertical", right: 4, top: "middle", textStyle: { color: "#d7e6f5" } },
        series: [{ type: "pie", radius: ["35%", "70%"], center: ["38%", "52%"], label: { color: "#d7e6f5" },
                   data: Object.keys(data).map(function (s) { return { name: T.sources[s] || s, value: data[s].month }; }) }]
      });
    },
    classes: function (data) {
      var c = chart("classes");
      if (!c) { return; }
      var rows = data.slice().reverse();
      c.setOption({
        grid: { left: "32%", right: "8%", top: 8, bottom: 20 },
        xAxis: Object.assign({ type: "value" }, AXIS),
        yAxis: Object.assign({ type: "category", data: rows.map(function (r) { return r.name; }) }, AXIS),
        series: [{ type: "bar", data: rows.map(function (r) { return r.count; }), itemStyle: { color: "#ffb347" } }]
      });
    },
    departments: function (data) {
      var c = chart("departments");
      if (!c) { return; }
      var rows = data.slice(0, 8).reverse();
      c.setOption({
        grid: { left: "36%", right: "8%", top: 8, bottom: 20 },
        xAxis: Object.assign({ type: "value", max: 100 }, AXIS),
        yAxis: Object.assign({ type: "category", data: rows.map(function (r) { return r.name; }) }, AXIS),
        series: [{ type: "bar", data: rows.map(function (r) { return Math.round(r.rate * 1000) / 10; }),
                   label: { show: true, position: "right", color: "#d7e6f5", formatter: "{c}%" },
                   itemStyle: { color: "#2ea043" } }]
      });
    },
    overdue: function (data) {
      list("overdue", data, function (li, r) {
        var no = span(li, r.case_no, "no");
        no.addEventListener("click", function () { openCard(r.case_no); });
        span(li, r.department || "", "dept");
        span(li, T.overdueBy + " " + duration(r.seconds_over), "over");
      });
    },
    inspectors: function (data) {
      list("inspectors", data, function (li, r) {
        span(li, r.name, "name");
        span(li, r.minutes_ago + T.minutes, "over");
      });
    }
  };

  function duration(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60);
    return h ? h + T.hours + m + T.minutes : m + T.minutes;
  }
  function span(li, value, cls) {
    var s = document.createElement("span"); s.className = cls; s.textContent = value; li.appendChild(s); return s;
  }
  function list(kind, rows, fill) {
    var el = document.getElementById("panel-" + kind);
    if (!el) { return; }
    el.textContent = "";
    if (!rows.length) { span(el, T.none, "screen-empty"); return; }
    var ul = document.createElement("ul");
    ul.className = "screen-list";
    rows.forEach(function (r) { var li = document.createElement("li"); fill(li, r); ul.appendChild(li); });
    el.appendChild(ul);
  }

  function drawPanels(panels) {
    Object.keys(panels).forEach(function (kind) { if (draw[kind]) { draw[kind](panels[kind]); } });
  }
  window.addEventListener("resize", function () {
    Object.keys(state.charts).forEach(function (k) { state.charts[k].resize(); });
    if (map) { map.invalidateSize(); }
  });

  /* -- data --------------------------------------------------------------------------- */
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }
  function withQuery(url, extra) { return url + (url.indexOf("?") < 0 ? "?" : "&") + extra; }

  function snapshot(points) {
    return getJson(points ? cfg.snapshotUrl : withQuery(cfg.snapshotUrl, "points=0")).then(function (s) {
      text("screen-scope", s.district_name);
      if (points) { loadPoints(s.points); state.cursor = s.cursor; drawCameras(s.cameras || []); }
      if (s.panels.inspectors) { drawInspectors(s.panels.inspectors); }
      drawPanels(s.panels);
      body.setAttribute("data-cursor", state.cursor);
    });
  }

  function drawCameras(rows) {
    if (!cameraLayer) { return; }
    cameraLayer.clearLayers();
    rows.forEach(function (c) {
      L.circleMarker([c[1], c[0]], { radius: 4, color: "#7fd3ff", weight: 1, fillColor: "#0f3a63", fillOpacity: 1 })
        .bindTooltip(c[2] + " " + c[3]).addTo(cameraLayer);
    });
  }

  function drawInspectors(rows) {
    if (!inspectorLayer) { return; }
    inspectorLayer.clearLayers();
    rows.forEach(function (i) {
      L.circleMarker([i.lat, i.lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#3dd6ff", fillOpacity: 1 })
        .bindTooltip(i.name).addTo(inspectorLayer);
    });
  }

  function panelsSoon() {
    if (state.panelsDue) { return; }
    state.panelsDue = setTimeout(function () { state.panelsDue = null; snapshot(false).catch(function () {}); }, 1000);
  }

  function poll() {
    getJson(withQuery(cfg.deltaUrl, "after=" + state.cursor)).then(function (d) {
      state.failures = 0;
      text("screen-status", "");
      if (d.reset) { return snapshot(true); }
      d.upsert.forEach(upsert);
      d.remove.forEach(remove);
      state.cursor = d.cursor;
      body.setAttribute("data-cursor", state.cursor);
      if (d.changed) { showTotal(); panelsSoon(); }
    }).catch(function () {
      state.failures += 1;
      text("screen-status", T.offline);
    }).then(function () {
      var wait = layout.poll_seconds * 1000 * Math.min(Math.pow(2, state.failures), 10);
      setTimeout(poll, wait);
    });
  }

  function start() {
    snapshot(true).then(function () { setTimeout(poll, layout.poll_seconds * 1000); }, function () {
      text("screen-status", T.offline);
      setTimeout(start, 5000);  // the server is restarting: try again
    });
  }
  start();
  setInterval(function () { snapshot(true).catch(function () {}); }, layout.points_refresh_seconds * 1000);
  document.querySelectorAll(".panel[data-refresh]").forEach(function (el) {
    if (el.getAttribute("data-kind") === "map") { return; }
    setInterval(panelsSoon, Number(el.getAttribute("data-refresh")) * 1000);
  });

  /* What tests and the console may ask: the point drawn for a case, the number of points. */
  window.szcgScreen = {
    point: function (caseNo) { var m = state.markers.get(caseNo); return m ? m.szcg : null; },
    size: function () { return state.markers.size; },
    cursor: function () { return state.cursor; },
    /* Zoom until the case's point stands alone; resolve to its position on the page (to click it). */
    reveal: function (caseNo) {
      var m = state.markers.get(caseNo);
      if (!m || !map) { return Promise.resolve(null); }
      return new Promise(function (resolve) {
        function where() {
          var p = map.latLngToContainerPoint(m.getLatLng()), box = mapEl.getBoundingClientRect();
          resolve([box.left + p.x, box.top + p.y]);
        }
        if (m.szcg[3] || cluster.getVisibleParent(m) === m) {
          map.setView(m.getLatLng(), map.getZoom(), { animate: false });
          setTimeout(where, 300);
          return;
        }
        var done = false;
        function once() { if (!done) { done = true; setTimeout(where, 300); } }
        cluster.zoomToShowLayer(m, once);
        setTimeout(once, 2000);  // circle markers have no icon: the plugin may not call back
      });
    }
  };
})();
