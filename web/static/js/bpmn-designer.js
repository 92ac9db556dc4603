/* The process designer: the bpmn-js modeler (vendored bundle, global BpmnJS) on the deployed file, a panel
   that edits what szcg reads (spiffworkflow:properties of the process, user tasks and end events; lane
   roles; scripts, conditions and timers), the server's deploy checks drawn on the elements they name, and
   deploy. Properties szcg does not read are flagged, never dropped. The modeler is window.szcgDesigner. */
(function () {
  "use strict";
  var root = document.getElementById("designer");
  var canvas = document.getElementById("bpmn-canvas");
  var source = document.getElementById("bpmn-xml");
  if (!root || !canvas || !source || !window.BpmnJS) { return; }
  var msg = root.dataset;
  var SPIFF = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core", prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", type: "String", isAttr: true }, { name: "value", type: "String", isAttr: true }] }
    ]
  };
  // What szcg reads, per element type (engine/runtime/parsing.py); anything else is flagged.
  var KNOWN = {
    "bpmn:Process": ["displayName", "displayNameEn", "startRoles", "caseNoPrefix", "limitsTable", "publicStages"],
    "bpmn:UserTask": ["stage", "formKey", "scope", "scopeFrom", "departmentKey", "caseClock", "priority",
                      "sideTask", "showData", "notify"],
    "bpmn:EndEvent": ["caseStatus"],
    "bpmn:StartEvent": ["allowedRoles", "formKey"]
  };
  var modeler = new window.BpmnJS({ container: canvas, moddleExtensions: { spiffworkflow: SPIFF } });
  window.szcgDesigner = modeler;
  var fields = document.getElementById("panel-fields");
  var title = document.getElementById("panel-title");
  var result = document.getElementById("designer-result");
  var marked = [];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function propsOf(bo, create) {
    var ext = bo.extensionElements;
    var moddle = modeler.get("moddle");
    if (!ext && create) { ext = bo.extensionElements = moddle.create("bpmn:ExtensionElements", { values: [] }); }
    if (!ext) { return null; }
    var found = (ext.values || []).filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
    if (!found && create) {
      found = moddle.create("spiffworkflow:Properties", { properties: [] });
      ext.values = (ext.values || []).concat([found]);
    }
    return found || null;
  }

  function setProperty(bo, name, value) {
    var props = propsOf(bo, true);
    var list = props.properties || (props.properties = []);
    var existing = list.filter(function (p) { return p.name === name; })[0];
    if (value === "") {
      props.properties = list.filter(function (p) { return p.name !== name; });
    } else if (existing) {
      existing.value = value;
    } else {
      list.push(modeler.get("moddle").create("spiffworkflow:Property", { name: name, value: value }));
    }
    modeler.get("eventBus").fire("elements.changed", { elements: [] });
  }

  function field(label, value, onChange, opts) {
    var id = "f-" + label.replace(/[^a-zA-Z0-9]/g, "_");
    var wrap = el("div", { "class": "field" });
    wrap.appendChild(el("label", { "for": id }, label));
    var input = opts && opts.multiline ? el("textarea", { id: id, rows: "4", spellcheck: "false" })
                                       : el("input", { id: id, name: label });
    input.value = value || "";
    input.addEventListener("change", function () { onChange(input.value); });
    wrap.appendChild(input);
    if (opts && opts.warning) { wrap.appendChild(el("p", { "class": "field-error" }, opts.warning)); }
    return wrap;
  }

  function show(element) {
    fields.innerHTML = "";
    var bo = element ? element.businessObject : modeler.getDefinitions().rootElements.filter(function (r) {
      return r.$type === "bpmn:Process" && r.id === msg.key; })[0];
    if (element && element.type === "bpmn:Participant" && bo.processRef) { bo = bo.processRef; }
    if (!bo) { fields.appendChild(el("p", { "class": "hint" }, msg.msgNone)); return; }
    title.textContent = (bo.name || bo.id) + " (" + bo.$type.replace("bpmn:", "") + ")";
    if (bo.$type === "bpmn:Lane" || bo.$type === "bpmn:Process" || bo.$type === "bpmn:UserTask") {
      fields.appendChild(field(bo.$type === "bpmn:Lane" ? "role (lane name)" : "name", bo.name, function (v) {
        if (element) { modeler.get("modeling").updateProperties(element, { name: v }); } else { bo.name = v; }
      }));
    }
    var known = KNOWN[bo.$type] || [];
    var props = propsOf(bo, false);
    var present = props ? props.properties || [] : [];
    known.forEach(function (name) {
      var current = present.filter(function (p) { return p.name === name; })[0];
      fields.appendChild(field(name, current ? current.value : "", function (v) { setProperty(bo, name, v); }));
    });
    present.filter(function (p) { return known.indexOf(p.name) < 0; }).forEach(function (p) {
      fields.appendChild(field(p.name, p.value, function (v) { setProperty(bo, p.name, v); },
                               { warning: msg.msgUnknown }));
    });
    if (bo.$type === "bpmn:ScriptTask") {
      fields.appendChild(field("script", bo.script, function (v) { bo.script = v; }, { multiline: true }));
    }
    if (bo.$type === "bpmn:SequenceFlow" && bo.conditionExpression) {
      fields.appendChild(field("condition", bo.conditionExpression.body, function (v) {
        bo.conditionExpression.body = v; }));
    }
    (bo.eventDefinitions || []).forEach(function (def) {
      if (def.$type === "bpmn:TimerEventDefinition" && def.timeDate) {
        fields.appendChild(field("timeDate", def.timeDate.body, function (v) { def.timeDate.body = v; }));
      }
    });
  }

  function clearMarks() {
    var c = modeler.get("canvas");
    marked.forEach(function (id) { try { c.removeMarker(id, "szcg-problem"); } catch (e) { /* gone */ } });
    marked = [];
  }

  function report(problems) {
    clearMarks();
    result.innerHTML = "";
    if (!problems.length) { result.appendChild(el("p", { "class": "flash flash-ok" }, msg.msgOk)); return; }
    result.appendChild(el("p", { "class": "flash flash-error" }, msg.msgProblems));
    var list = el("ul", { "class": "problems" });
    var registry = modeler.get("elementRegistry");
    problems.forEach(function (p) {
      var item = el("li", { "data-element": p.element || "" }, (p.element ? p.element + ": " : "") + p.reason);
      if (p.element && registry.get(p.element)) {
        modeler.get("canvas").addMarker(p.element, "szcg-problem");
        marked.push(p.element);
        item.classList.add("clickable");
        item.addEventListener("click", function () {
          modeler.get("selection").select(registry.get(p.element));
          modeler.get("canvas").scrollToElement(registry.get(p.element));
        });
      }
      list.appendChild(item);
    });
    result.appendChild(list);
  }

  function post(url) {
    return modeler.saveXML({ format: true }).then(function (saved) {
      return fetch(url, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": msg.csrf },
        body: JSON.stringify({ xml: saved.xml }) });
    }).then(function (res) { return res.json().then(function (body) { return { status: res.status, body: body }; }); });
  }

  document.getElementById("designer-check").addEventListener("click", function () {
    post(msg.checkUrl).then(function (r) { report(r.body.problems || []); });
  });
  document.getElementById("designer-deploy").addEventListener("click", function () {
    post(msg.deployUrl).then(function (r) {
      if (r.status !== 201) { report(r.body.problems || []); return; }
      clearMarks();
      result.innerHTML = "";
      var text = (r.body.created ? msg.msgDeployed : msg.msgUnchanged) + " " + r.body.version;
      var p = el("p", { "class": "flash flash-ok deployed", "data-version": String(r.body.version) }, text + " ");
      p.appendChild(el("a", { href: msg.versionsUrl }, "→"));
      result.appendChild(p);
    });
  });

  modeler.importXML(source.value).then(function () {
    modeler.get("canvas").zoom("fit-viewport");
    modeler.get("eventBus").on("selection.changed", function (e) { show(e.newSelection[0] || null); });
    show(null);
    root.dataset.state = "ready";
  }).catch(function (err) {
    root.dataset.state = "failed";
    result.appendChild(el("p", { "class": "flash flash-error" }, msg.msgFailed + ": " + (err && err.message)));
  });
}());
