/* 巡查: 城管通 records the inspector's GPS track while on duty.

   "Start patrol" puts the phone on duty (kept in localStorage per user, so it stays on across the
   pages of 城管通 and a reload). Every fix_seconds the page takes a fix and appends it to a queue in
   localStorage; every upload_seconds (and when the queue holds a full batch) it posts the oldest
   batch to <section id="patrol" data-url>. A fix is stored once per inspector and time on the
   server, so a batch whose answer was lost is simply sent again: a fix leaves the queue only after
   the server said it has it. A failed upload (no network, the server restarting) waits and retries
   with a growing pause; the fixes wait on the phone meanwhile. */
(function () {
  "use strict";

  var bar = document.getElementById("patrol");
  if (!bar || !window.localStorage || !window.fetch) { return; }
  var d = bar.dataset;
  var KEY = "szcg.patrol." + d.user;
  var FIX_MS = Number(d.fixSeconds) * 1000, UPLOAD_MS = Number(d.uploadSeconds) * 1000;
  var BATCH = 500, KEEP = 20000;  // a batch per request; at most about two days kept on the phone
  var DELAYS = [2000, 5000, 15000, 30000, 60000];
  var stateEl = bar.querySelector(".patrol-state"), statusEl = bar.querySelector(".patrol-status");
  var button = bar.querySelector(".patrol-toggle");
  var fixTimer = null, uploadTimer = null, sending = false, failures = 0;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || { on: false, queue: [], recorded: 0 }; }
    catch (e) { return { on: false, queue: [], recorded: 0 }; }
  }
  function save(s) {
    if (s.queue.length > KEEP) { s.queue = s.queue.slice(s.queue.length - KEEP); }
    localStorage.setItem(KEY, JSON.stringify(s));
  }

  function show(extra) {
    var s = load();
    stateEl.textContent = s.on ? d.msgOn : d.msgOff;
    button.textContent = s.on ? d.msgStop : d.msgStart;
    bar.classList.toggle("on-duty", s.on);
    bar.setAttribute("data-queued", String(s.queue.length));
    bar.setAttribute("data-recorded", String(s.recorded));
    var kept = s.on || s.queue.length ? d.msgKept.replace("{n}", s.recorded).replace("{q}", s.queue.length) : "";
    statusEl.textContent = extra ? kept + " " + extra : kept;
  }

  function fix() {
    navigator.geolocation.getCurrentPosition(function (pos) {
      var s = load();
      if (!s.on) { return; }
      // The time the fix was taken for (whole seconds): the position is at most maximumAge old, and a
      // phone standing still may answer with the same cached position for a while.
      var at = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
      if (s.lastAt === at) { return; }  // twice within a second
      s.lastAt = at;
      s.queue.push({ at: at, lon: Math.round(pos.coords.longitude * 1e6) / 1e6,
                     lat: Math.round(pos.coords.latitude * 1e6) / 1e6 });
      s.recorded += 1;
      save(s);
      show();
      if (s.queue.length >= BATCH) { upload(); }
    }, function () { show(); }, { enableHighAccuracy: true, maximumAge: FIX_MS / 2, timeout: FIX_MS * 3 });
  }

  function upload() {
    var s = load();
    if (sending || !s.queue.length) { return; }
    sending = true;
    var batch = s.queue.slice(0, BATCH);
    fetch(d.url, { method: "POST", credentials: "same-origin", body: JSON.stringify({ points: batch }),
                   headers: { "Content-Type": "application/json", "X-CSRFToken": d.csrf,
                              "X-Requested-With": "fetch" } })
      .then(function (r) {
        // Stored (or already there): out of the queue. 400/422: a batch the server will never take
        // (a bad fix): dropped, so that one bad fix does not hold back the day. Anything else (the
        // server restarting, signed out and sent to the login page): kept and sent again later.
        var refused = r.status === 400 || r.status === 422;
        if (!(r.ok && !r.redirected) && !refused) { throw new Error("HTTP " + r.status); }
        var sent = new Set(batch.map(function (b) { return b.at; }));
        var now = load();
        now.queue = now.queue.filter(function (p) { return !sent.has(p.at); });
        save(now);
        failures = 0;
        sending = false;
        show();
        if (now.queue.length) { setTimeout(upload, 0); }
      })
      .catch(function () {
        sending = false;
        failures += 1;
        show(d.msgOffline);
        clearTimeout(uploadTimer);
        uploadTimer = setTimeout(function () { upload(); schedule(); }, DELAYS[Math.min(failures, DELAYS.length) - 1]);
      });
  }

  function schedule() {
    clearTimeout(uploadTimer);
    uploadTimer = setTimeout(function () { upload(); schedule(); }, UPLOAD_MS);
  }

  function start() {
    if (!fixTimer) { fix(); fixTimer = setInterval(fix, FIX_MS); }
    schedule();
  }
  function stop() {
    clearInterval(fixTimer);
    fixTimer = null;
    upload();  // what is kept goes out now; a failure retries as usual
  }

  button.addEventListener("click", function () {
    if (!navigator.geolocation) { statusEl.textContent = d.msgNogps; return; }
    var s = load();
    s.on = !s.on;
    if (s.on) { s.recorded = 0; }
    save(s);
    show();
    if (s.on) { start(); } else { stop(); }
  });
  window.addEventListener("online", upload);

  var initial = load();
  show();
  if (initial.on && navigator.geolocation) { start(); } else if (initial.queue.length) { schedule(); upload(); }
})();
