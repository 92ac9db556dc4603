/* The process designer: the bpmn-js modeler (vendored bundle, global BpmnJS) on the deployed file, a panel
   that edits what szcg reads (spiffworkflow:properties of the process, user tasks and end events; lane
   roles; scripts, conditions and timers, each compiled in the sandbox on blur), the server's deploy checks
   drawn on the elements they name, and deploy. What is deployed is picked, not typed: a lane's role, a
   task's lane and form, a call activity's process, a decision table for a script's decide() call and a
   process's limits table. Properties szcg does not read are flagged, never dropped. The modeler is
   window.szcgDesigner. */
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
  // What is deployed, for the pickers (engine.processes.designer.palette).
  var palette = JSON.parse((document.getElementById("designer-palette") || {}).textContent || "{}");
  var tableKeys = (palette.tables || []).map(function (t) { return t.key; });
  var CHOICES = {  // a select: only what is deployed (a value not among them is kept and flagged)
    formKey: palette.forms || [], limitsTable: tableKeys
  };
  var SUGGEST = {  // free text with suggestions: deploy's checks name a wrong value on its element
    scope: palette.scopes || [], priority: palette.priorities || [], caseClock: ["true", "false"],
    sideTask: ["true", "false"], startRoles: palette.roles || [], allowedRoles: palette.roles || []
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
    opts = opts || {};
    var id = "f-" + label.replace(/[^a-zA-Z0-9]/g, "_");
    var wrap = el("div", { "class": "field" });
    wrap.appendChild(el("label", { "for": id }, label));
    var input;
    if (opts.choices) {
      input = el("select", { id: id, name: label });
      input.appendChild(el("option", { value: "" }, opts.noDefault ? "—" : msg.msgDefault));
      var known = opts.choices.slice();
      if (value && known.indexOf(value) < 0) { known.push(value); }
      known.forEach(function (c) { input.appendChild(el("option", { value: c }, c)); });
      if (value && opts.choices.indexOf(value) < 0) {
        opts.warning = opts.warning || msg.msgNotDeployed;
      }
    } else if (opts.multiline) {
      input = el("textarea", { id: id, rows: "4", spellcheck: "false" });
    } else {
      input = el("input", { id: id, name: label });
      if (opts.suggest && opts.suggest.length) {
        var listId = id + "-list";
        input.setAttribute("list", listId);
        var list = el("datalist", { id: listId });
        opts.suggest.forEach(function (c) { list.appendChild(el("option", { value: c })); });
        wrap.appendChild(list);
      }
    }
    input.value = value || "";
    input.addEventListener("change", function () { onChange(input.value); });
    wrap.appendChild(input);
    if (opts.warning) { wrap.appendChild(el("p", { "class": "field-error" }, opts.warning)); }
    if (opts.check) {  // the sandbox's compile check, on the server, when the field loses focus
      var out = el("p", { "class": "hint code-check", id: id + "-check", "aria-live": "polite" });
      wrap.appendChild(out);
      input.addEventListener("blur", function () { compile(opts.check, input.value, out); });
    }
    return wrap;
  }

  function compile(kind, text, out) {
    out.textContent = "";
    out.className = "hint code-check";
    fetch(msg.compileUrl, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": msg.csrf },
      body: JSON.stringify({ kind: kind, text: text }) })
      .then(function (res) { return res.json(); })
      .then(function (body) {
        var problems = body.problems || [];
        out.textContent = problems.length ? problems.join("; ") : msg.msgCompiles;
        out.className = "code-check " + (problems.length ? "field-error" : "hint ok");
        out.dataset.state = problems.length ? "refused" : "ok";
      });
  }

  function lanes() {
    return modeler.get("elementRegistry").filter(function (e) { return e.type === "bpmn:Lane"; });
  }

  function laneOf(bo) {
    return lanes().filter(function (l) { return (l.businessObject.flowNodeRef || []).indexOf(bo) >= 0; })[0];
  }

  function moveToLane(element, name) {  // the shape moves into the lane's band; bpmn-js updates flowNodeRef
    var target = lanes().filter(function (l) { return l.businessObject.name === name; })[0];
    if (!target) { return; }
    var dy = Math.round(target.y + target.height / 2 - (element.y + element.height / 2));
    modeler.get("modeling").moveElements([element], { x: 0, y: dy });
  }

  function decisionCall(table) {
    var args = table.inputs.map(function (n) { return n + "=" + n; }).join(", ");
    return "decided = decide(\"" + table.key + "\", " + args + ")  # " + table.outputs.join(", ");
  }

  function show(element) {
    fields.innerHTML = "";
    var bo = element ? element.businessObject : modeler.getDefinitions().rootElements.filter(function (r) {
      return r.$type === "bpmn:Process" && r.id === msg.key; })[0];
    if (element && element.type === "bpmn:Participant" && bo.processRef) { bo = bo.processRef; }
    if (!bo) { fields.appendChild(el("p", { "class": "hint" }, msg.msgNone)); return; }
    title.textContent = (bo.name || bo.id) + " (" + bo.$type.replace("bpmn:", "") + ")";
    if (bo.$type === "bpmn:Lane") {  // a lane's name is the role that takes its tasks: one of szcg's roles
      fields.appendChild(field("role (lane name)", bo.name, function (v) {
        modeler.get("modeling").updateProperties(element, { name: v });
      }, { choices: palette.roles || [], noDefault: true }));
    } else if (bo.$type === "bpmn:Process" || bo.$type === "bpmn:UserTask") {
      fields.appendChild(field("name", bo.name, function (v) {
        if (element) { modeler.get("modeling").updateProperties(element, { name: v }); } else { bo.name = v; }
      }));
    }
    if (element && bo.$type !== "bpmn:Lane" && lanes().length && element.type !== "bpmn:Participant" &&
        !element.waypoints && element.type !== "label") {
      var lane = laneOf(bo);
      var names = lanes().map(function (l) { return l.businessObject.name; });
      fields.appendChild(field("lane", lane ? lane.businessObject.name : "", function (v) { moveToLane(element, v); },
                               { choices: names, noDefault: true }));
    }
    if (bo.$type === "bpmn:CallActivity") {
      fields.appendChild(field("calledElement", bo.calledElement, function (v) {
        modeler.get("modeling").updateProperties(element, { calledElement: v });
      }, { choices: palette.processes || [], noDefault: true }));
    }
    var known = KNOWN[bo.$type] || [];
    var props = propsOf(bo, false);
    var present = props ? props.properties || [] : [];
    known.forEach(function (name) {
      var current = present.filter(function (p) { return p.name === name; })[0];
      fields.appendChild(field(name, current ? current.value : "", function (v) { setProperty(bo, name, v); },
                               { choices: CHOICES[name], suggest: SUGGEST[name] }));
    });
    present.filter(function (p) { return known.indexOf(p.name) < 0; }).forEach(function (p) {
      fields.appendChild(field(p.name, p.value, function (v) { setProperty(bo, p.name, v); },
                               { warning: msg.msgUnknown }));
    });
    if (bo.$type === "bpmn:ScriptTask") {
      var script = field("script", bo.script, function (v) { bo.script = v; }, { multiline: true, check: "script" });
      fields.appendChild(script);
      if ((palette.tables || []).length) {  // a decision table chosen from those deployed, its inputs filled in
        fields.appendChild(field("decision", "", function (v) {
          var table = (palette.tables || []).filter(function (t) { return t.key === v; })[0];
          if (!table) { return; }
          var area = script.querySelector("textarea");
          area.value = (area.value ? area.value.replace(/\s*$/, "") + "\n" : "") + decisionCall(table);
          bo.script = area.value;
          area.focus();
          area.blur();
        }, { choices: tableKeys, noDefault: true }));
        fields.lastChild.querySelector("label").textContent = msg.msgInsertDecision;
      }
    }
    if (bo.$type === "bpmn:SequenceFlow" && bo.conditionExpression) {
      fields.appendChild(field("condition", bo.conditionExpression.body, function (v) {
        bo.conditionExpression.body = v; }, { check: "condition" }));
    }
    (bo.eventDefinitions || []).forEach(function (def) {
      if (def.$type !== "bpmn:TimerEventDefinition") { return; }
      ["timeDate", "timeDuration", "timeCycle"].forEach(function (kind) {
        if (def[kind]) {
          fields.appendChild(field(kind, def[kind].body, function (v) { def[kind].body = v; }, { check: kind }));
        }
      });
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
