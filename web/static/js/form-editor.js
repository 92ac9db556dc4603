/* The form editor: as the JSON changes, the server draws the form with the task page's own macro and runs
   deploy's checks on it; the preview and the problems replace the old ones. Deploy posts the same JSON. */
(function () {
  "use strict";
  var root = document.getElementById("form-editor");
  var text = document.getElementById("form-json");
  var preview = document.getElementById("form-preview");
  var problems = document.getElementById("form-problems");
  if (!root || !text || !preview) { return; }
  var msg = root.dataset;
  var timer = null;
  var seq = 0;

  function post(url) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": msg.csrf },
      body: JSON.stringify({ text: text.value }) })
      .then(function (res) { return res.json().then(function (body) { return { status: res.status, body: body }; }); });
  }

  function show(list, okText) {
    problems.innerHTML = "";
    (list || []).forEach(function (p) {
      var line = document.createElement("p");
      line.className = "flash flash-error";
      line.textContent = (p.element ? p.element + ": " : "") + p.reason;
      problems.appendChild(line);
    });
    if (!(list || []).length && okText) {
      var ok = document.createElement("p");
      ok.className = "flash flash-ok";
      ok.textContent = okText;
      problems.appendChild(ok);
    }
  }

  function refresh() {
    var mine = ++seq;
    post(msg.previewUrl).then(function (r) {
      if (mine !== seq) { return; }  // a newer edit is on its way
      if (r.body.html) { preview.innerHTML = r.body.html; }
      show(r.body.problems, msg.msgOk);
      root.dataset.state = "previewed";
    });
  }

  text.addEventListener("input", function () {
    root.dataset.state = "editing";
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  document.getElementById("form-deploy").addEventListener("click", function () {
    post(msg.deployUrl).then(function (r) {
      if (r.status !== 201) { show(r.body.problems); return; }
      show([], msg.msgDeployed + " " + r.body.version);
      root.dataset.state = "deployed";
      root.dataset.version = String(r.body.version);
    });
  });
}());
