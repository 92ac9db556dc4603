/* The administrator's grid map (Leaflet, vendored): the unit grids of the visible area fetched by bounding
   box, coloured by area class; tapping a grid opens it for editing (?code=…), the open grid outlined.
   The map is window.szcgGridMap; its state is in #grid-map[data-state] (ready, then loaded). */
(function () {
  "use strict";
  var el = document.getElementById("grid-map");
  if (!el || !window.L) { return; }
  var cfg = el.dataset;
  var COLOURS = { A: "#c0392b", B: "#e08e0b", C: "#2e7d32" };
  var selected = cfg.selected || "";
  var status = document.getElementById("grid-map-status");
  var center = JSON.parse(cfg.center);
  var map = L.map(el, { attributionControl: !!cfg.tiles }).setView(center, 15);
  window.szcgGridMap = map;
  if (cfg.tiles) {
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution || "", maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add("map-offline");
  }
  function style(feature) {
    var p = feature.properties || {};
    var mine = p.grid_code === selected;
    return { color: mine ? "#1e5aa8" : (COLOURS[p.area_class] || "#5b6b80"), weight: mine ? 4 : 1,
             fillColor: COLOURS[p.area_class] || "#5b6b80", fillOpacity: mine ? 0.35 : 0.15 };
  }
  var layer = L.geoJSON(null, {
    style: style,
    onEachFeature: function (f, l) {
      var p = f.properties;
      l.bindTooltip(p.grid_code + " " + (p.name || "") + " · " + (p.area_class || "–") + " · " + (p.inspector || "–"));
      l.on("click", function () { window.location.href = cfg.editUrl + "?code=" + encodeURIComponent(p.grid_code); });
    }
  }).addTo(map);
  var timer = null;
  function load() {
    if (map.getZoom() < 14) {
      layer.clearLayers();
      if (status) { status.textContent = cfg.msgZoom; }
      return;
    }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
    fetch(cfg.gridsUrl + "?bbox=" + bbox.join(","), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        layer.clearLayers();
        layer.addData(data);
        layer.eachLayer(function (l) {
          var e = l.getElement && l.getElement();
          if (e) { e.setAttribute("data-grid", l.feature.properties.grid_code); }
        });
        if (status) { status.textContent = ""; }
        el.dataset.state = "loaded";
        el.dataset.count = String(data.features.length);
      })
      .catch(function () { /* offline: the code form still works */ });
  }
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 200); });
  if (cfg.bounds) {
    var bb = JSON.parse(cfg.bounds);  // [minlon, minlat, maxlon, maxlat]
    map.fitBounds([[bb[1], bb[0]], [bb[3], bb[2]]], { maxZoom: 16, padding: [40, 40] });
  }
  el.dataset.state = "ready";
  load();
}());
