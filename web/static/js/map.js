/* Leaflet maps for szcg pages. Each <div data-map='{...}'> is one map; the JSON says what to draw:
   center/point as [lat, lon], zoom, tiles (URL template; empty = plain background, works offline),
   grids (GeoJSON) or gridsUrl (fetched for the visible area), editable (tap/drag sets the point
   into the inputs named by `inputs`), locate (use the browser's GPS position). */
(function () {
  "use strict";

  function gridStyle(feature) {
    var own = feature && feature.properties && feature.properties.own;
    return own ? { color: "#1e5aa8", weight: 3, fillOpacity: 0.12 }
               : { color: "#5b6b80", weight: 1, fillOpacity: 0.03, dashArray: "4 3" };
  }

  function setText(el, text) { if (el && text) { el.textContent = text; } }

  function init(el) {
    var cfg = JSON.parse(el.getAttribute("data-map"));
    var msg = cfg.messages || {};
    var point = cfg.point && cfg.point[0] !== null ? cfg.point : null;
    var latInput = cfg.inputs ? document.querySelector(cfg.inputs.lat) : null;
    var lonInput = cfg.inputs ? document.querySelector(cfg.inputs.lon) : null;
    if (latInput && latInput.value && lonInput.value) {
      point = [parseFloat(latInput.value), parseFloat(lonInput.value)];
    }
    var map = L.map(el, { attributionControl: !!cfg.tiles }).setView(point || cfg.center, cfg.zoom || 15);
    if (cfg.tiles) {
      L.tileLayer(cfg.tiles, { attribution: cfg.attribution || "", maxZoom: 19 }).addTo(map);
    } else {
      el.classList.add("map-offline");
    }
    var grids = L.geoJSON(cfg.grids || null, {
      style: gridStyle,
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name + " " + f.properties.grid_code); }
    }).addTo(map);
    if (!cfg.editable && grids.getLayers().length) {
      map.fitBounds(grids.getBounds(), { padding: [8, 8], maxZoom: 17 });  // the grid and its neighbours
    }
    var status = el.parentNode.querySelector(".location-status");
    var marker = null;

    function place(latlng, recenter) {
      var lat = Math.round(latlng.lat * 1e6) / 1e6, lon = Math.round(latlng.lng * 1e6) / 1e6;
      if (!marker) {
        marker = L.marker([lat, lon], { draggable: !!cfg.editable, autoPan: true }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), false); });
      } else {
        marker.setLatLng([lat, lon]);
      }
      if (latInput) { latInput.value = lat; lonInput.value = lon; }
      if (recenter) { map.setView([lat, lon], Math.max(map.getZoom(), 17)); }
    }

    if (point && cfg.editable) { place(L.latLng(point[0], point[1]), false); }
    if (point && !cfg.editable) {
      L.circleMarker(point, { radius: 9, color: "#fff", weight: 2, fillColor: "#d0312d", fillOpacity: 1 }).addTo(map);
    }
    (cfg.cameras || []).forEach(function (c) {  // [lat, lon, code, name, stream URL]: the cameras near the case
      var cam = L.circleMarker([c[0], c[1]], { radius: 5, color: "#1e5aa8", weight: 2, fillColor: "#fff", fillOpacity: 1,
                                               className: "camera-marker" }).addTo(map);
      var box = document.createElement("div");
      box.textContent = c[3] + " (" + c[2] + ") ";
      if (c[4]) {
        var a = document.createElement("a");
        a.href = c[4]; a.textContent = c[4]; a.rel = "noopener";
        box.appendChild(a);
      }
      cam.bindPopup(box);
    });
    if (cfg.patrols && point) {  // 巡查覆盖: the radius looked at, and who patrolled inside it around the report
      L.circle(point, { radius: cfg.patrols.radius_m, color: "#2ea043", weight: 1, dashArray: "5 4", fillOpacity: 0.04,
                        interactive: false, className: "patrol-radius" }).addTo(map);
      cfg.patrols.inspectors.forEach(function (p) {
        if (p.track.length > 1) {
          L.polyline(p.track, { color: "#2ea043", weight: 3, opacity: 0.8, className: "patrol-track" }).addTo(map);
        }
        L.circleMarker(p.point, { radius: 6, color: "#fff", weight: 2, fillColor: "#2ea043", fillOpacity: 1,
                                  className: "patrol-marker" }).bindTooltip(p.name).addTo(map);
      });
    }
    if (cfg.editable) {
      map.on("click", function (e) { place(e.latlng, false); setText(status, msg.moved); });
    }

    function locate() {
      if (!navigator.geolocation) { setText(status, msg.failed); return; }
      setText(status, msg.locating);
      navigator.geolocation.getCurrentPosition(function (pos) {
        var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
        if (cfg.editable) { place(here, true); } else {
          L.circleMarker(here, { radius: 6, color: "#1e5aa8", fillOpacity: 0.8 }).addTo(map);
        }
        setText(status, msg.located);
      }, function () { setText(status, msg.failed); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
    }
    if (cfg.locate && cfg.editable && !point) { locate(); }
    var button = el.parentNode.querySelector(".locate-button");
    if (button) { button.addEventListener("click", locate); }

    if (cfg.gridsUrl) {
      var timer = null;
      var load = function () {
        if (map.getZoom() < 14) { grids.clearLayers(); return; }
        var b = map.getBounds();
        var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
        fetch(cfg.gridsUrl + "?bbox=" + bbox.join(","), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data) { grids.clearLayers(); grids.addData(data); } })
          .catch(function () { /* offline: the point can still be set */ });
      };
      map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 250); });
      load();
    }
    el.szcgMap = map;
  }

  document.querySelectorAll("[data-map]").forEach(init);
})();
