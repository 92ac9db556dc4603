/* Sends a <form data-retry> with fetch and retries when the connection drops or the server
   is briefly unavailable. The form carries an idempotency key (reports) or completes one
   task (which the server answers as done when repeated), so a retry never makes two cases.
   The server answers {"redirect": url} on success and an HTML page otherwise. Without fetch,
   the form posts normally. */
(function () {
  "use strict";
  var DELAYS = [1000, 3000, 7000, 15000];

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function send(form, body, status, attempt) {
    var msg = form.dataset;
    status.textContent = attempt ? (msg.msgRetrying || "").replace("{n}", attempt) : (msg.msgSending || "");
    return fetch(form.action, { method: "POST", body: body, credentials: "same-origin",
                                headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.status >= 500 || response.status === 408) { throw new Error("HTTP " + response.status); }
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === 0) {
          return response.json().then(function (data) { window.location.assign(data.redirect); });
        }
        return response.text().then(function (html) { document.open(); document.write(html); document.close(); });
      })
      .catch(function (error) {
        if (attempt >= DELAYS.length) { throw error; }
        return wait(DELAYS[attempt]).then(function () { return send(form, body, status, attempt + 1); });
      });
  }

  document.querySelectorAll("form[data-retry]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      if (form.dataset.busy) { return; }
      form.dataset.busy = "1";
      var status = form.querySelector(".upload-status") || document.createElement("p");
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; }
      send(form, new FormData(form), status, 0).catch(function () {
        status.textContent = form.dataset.msgFailed || "";
        delete form.dataset.busy;
        if (button) { button.disabled = false; }
      });
    });
  });
})();
