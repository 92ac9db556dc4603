/* Two versions of a process: the newer drawn with bpmn-js's viewer (global BpmnJS), the elements the
   server found added or changed marked on it; clicking an entry of the list brings its element into view. */
(function () {
  "use strict";
  var box = document.getElementById("compare");
  var source = document.getElementById("bpmn-xml");
  if (!box || !source || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: box });
  window.szcgCompare = viewer;
  function parse(text) { try { return JSON.parse(text || "[]"); } catch (e) { return []; } }
  viewer.importXML(source.value).then(function () {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    [["added", "diff-added"], ["changed", "diff-changed"]].forEach(function (pair) {
      parse(box.dataset[pair[0]]).forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, pair[1]); } });
    });
    document.querySelectorAll(".diff-list li[data-element]").forEach(function (item) {
      var target = registry.get(item.dataset.element);
      if (!target) { return; }
      item.classList.add("clickable");
      item.addEventListener("click", function () { canvas.scrollToElement(target); });
    });
    box.dataset.state = "ready";
  }).catch(function () { box.dataset.state = "failed"; });
}());
