/* 城管通 report: the "photo after handling" field is shown (and required) only when the report
   is marked self-handled. Without JavaScript the field simply stays visible. */
(function () {
  "use strict";
  var box = document.getElementById("self-handled");
  var field = document.getElementById("after-photos-field");
  var input = document.getElementById("after-photos");
  if (!box || !field || !input) { return; }
  function sync() {
    field.hidden = !box.checked;
    input.required = box.checked;
  }
  box.addEventListener("change", sync);
  sync();
})();
