/* The decision-table editor of the admin console: the dmn-js modeler (vendored bundle, global
   DmnJS) draws the XML of the form's hidden field #dmn-xml, opens its decision table, and
   before the form is sent writes the modeler's XML back into that field (saveXML), so the
   server receives a plain form post. If the modeler cannot open the table, the XML stays
   editable as text and the form posts it as it is. The modeler is window.szcgDmn (tests). */
(function () {
  "use strict";
  var form = document.getElementById("table-form");
  var canvas = document.getElementById("dmn-canvas");
  var source = document.getElementById("dmn-xml");
  var status = document.getElementById("dmn-status");
  if (!form || !canvas || !source) { return; }
  var msg = form.dataset;

  function say(text) { if (status) { status.textContent = text || ""; } }

  function fallBack(error) {
    canvas.dataset.state = "failed";
    canvas.hidden = true;
    source.readOnly = false;
    var details = source.closest("details");
    if (details) { details.open = true; }
    say((msg.msgFailed || "") + (error && error.message ? " (" + error.message + ")" : ""));
  }

  if (!window.DmnJS || !window.Promise) { fallBack(); return; }

  var modeler = new window.DmnJS({ container: canvas });
  window.szcgDmn = modeler;
  say(msg.msgLoading);

  function markProblemRules() {
    // Rules named by a refusal ("rule 24") are outlined in the table; numbers count from 1.
    var numbers = [];
    try { numbers = JSON.parse(msg.rules || "[]"); } catch (e) { numbers = []; }
    var rows = canvas.querySelectorAll(".tjs-table tbody tr");
    numbers.forEach(function (n) { if (rows[n - 1]) { rows[n - 1].classList.add("szcg-problem-rule"); } });
  }

  function openDecisionTable() {
    var views = modeler.getViews();
    var table = views.filter(function (v) { return v.type === "decisionTable"; })[0];
    var active = modeler.getActiveView();
    if (table && (!active || active.element !== table.element)) { return modeler.open(table); }
    return Promise.resolve();
  }

  modeler.importXML(source.value)
    .then(openDecisionTable)
    .then(function () {
      canvas.dataset.state = "ready";
      source.readOnly = true;
      say(msg.msgReady);
      markProblemRules();
      var viewer = modeler.getActiveViewer();
      if (viewer) {
        viewer.on("elements.changed", function () {
          form.dataset.changed = "1";
          say(msg.msgChanged);
        });
      }
    })
    .catch(fallBack);

  form.addEventListener("submit", function (event) {
    if (canvas.dataset.state !== "ready" || form.dataset.sending) { return; }  // post the text as it is
    event.preventDefault();
    var submitter = event.submitter;
    var buttons = form.querySelectorAll("button[type=submit]");
    modeler.saveXML({ format: true })
      .then(function (result) {
        source.value = result.xml;
        form.dataset.sending = "1";
        if (submitter && submitter.getAttribute("formaction")) { form.action = submitter.getAttribute("formaction"); }
        buttons.forEach(function (b) { b.disabled = true; });
        var original = form.getAttribute("action");
        form.submit();
        if (submitter && submitter.dataset.download !== undefined) {  // a file comes back: the page stays
          form.setAttribute("action", original);
          delete form.dataset.sending;
          buttons.forEach(function (b) { b.disabled = false; });
        }
      })
      .catch(function (error) { say((msg.msgFailed || "") + " (" + error.message + ")"); });
  });
})();
