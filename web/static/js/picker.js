/* Search-as-you-type for long lists of choices (the problem class picker): an
   <input data-filter="#list"> hides the [data-text] items of #list that do not match. */
(function () {
  "use strict";
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var list = document.querySelector(input.getAttribute("data-filter"));
    if (!list) { return; }
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-text]"));
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      items.forEach(function (item) {
        var checked = item.querySelector("input:checked");
        item.hidden = !!q && !checked && item.getAttribute("data-text").toLowerCase().indexOf(q) < 0;
      });
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
    var chosen = list.querySelector("input:checked");
    if (chosen) { chosen.closest("[data-text]").scrollIntoView({ block: "nearest" }); }
  });
})();
