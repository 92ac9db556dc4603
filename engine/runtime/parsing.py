"""Parse and check a set of BPMN files and forms before they may be deployed.

A process designer's mistake must be refused at deploy time with the file, the element id
and the reason, not discovered by an operator at 3 a.m. The checks here are those
SpiffWorkflow leaves to the application (SPIFFWORKFLOW_NOTES §12): schema validity, a lane
and a form for every user task, a default flow on every deciding gateway, and scripts,
conditions and timer expressions that compile in the sandbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import jsonschema
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.errors import DeployProblem
from engine.runtime.scripting import ScriptRejected, compile_script
from engine.runtime.stages import stage_order
from engine.runtime.workflow import (
    MessageInfo,
    ParsedProcess,
    ProcessInfo,
    UserTaskInfo,
    end_event_specs,
    user_task_specs,
)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}

# Which scope a task has when its diagram does not say: who of a lane may take it.
DEFAULT_SCOPE = {"inspector": "grid", "handler": "department"}
PRIORITIES = {"low": -10, "normal": 0, "high": 10, "emergency": 100}
SCOPES = {"grid", "department", "district", "city"}
_ISO_DURATION = re.compile(r"^R?\d*/?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


def _properties(task_spec: Any) -> dict[str, str]:
    return dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}))


def parse_process(files: dict[str, str], key: str) -> ParsedProcess:
    """Parse the BPMN ``files`` and return process ``key`` with its user-task table.

    Used for deployed (already checked) definitions; raises SpiffWorkflow's exceptions
    unchanged if called on unchecked input.
    """
    parser = SpiffBpmnParser()
    for name, xml in sorted(files.items()):
        parser.add_bpmn_str(xml.encode("utf-8"), filename=name)
    parsed = ParsedProcess(key=key, spec=parser.get_spec(key), subprocess_specs=parser.get_subprocess_specs(key))
    for task_spec in user_task_specs(parsed):
        props = _properties(task_spec)
        lane = task_spec.lane
        parsed.user_tasks[task_spec.bpmn_id] = UserTaskInfo(
            bpmn_id=task_spec.bpmn_id,
            name=task_spec.bpmn_name or task_spec.bpmn_id,
            lane=lane,
            stage=props.get("stage", task_spec.bpmn_id),
            form_key=props.get("formKey", task_spec.bpmn_id),
            scope=props.get("scope", DEFAULT_SCOPE.get(lane or "", "city")),
            documentation=task_spec.documentation,
            show_data=tuple(k.strip() for k in props.get("showData", "").split(",") if k.strip()),
            case_clock=props.get("caseClock", "").lower() in ("true", "1", "yes"),
            priority=PRIORITIES.get(props.get("priority", "normal"), 0),
            department_key=props.get("departmentKey", "department_code"),
            scope_key=props.get("scopeFrom") or None,
            side_task=props.get("sideTask", "").lower() in ("true", "1", "yes"),
            notify=props.get("notify", "").lower() in ("true", "1", "yes"),
        )
    parsed.messages = _messages(files)
    for end in end_event_specs(parsed):
        status = _properties(end).get("caseStatus")
        if status:
            parsed.end_statuses[end.bpmn_id] = status
    parsed.info = process_info(files, key, parsed)
    return parsed


def _process_elements(files: dict[str, str]) -> dict[str, Any]:
    found = {}
    for xml in files.values():
        root = etree.fromstring(xml.encode("utf-8"))
        found.update({p.get("id"): p for p in root.iterfind("bpmn:process", NS)})
    return found


def _element_properties(element: Any) -> dict[str, str]:
    """The element's own ``spiffworkflow:properties`` (not those of the elements inside it)."""
    props = element.find("bpmn:extensionElements/spiffworkflow:properties", NS)
    if props is None:
        return {}
    return {p.get("name"): p.get("value") or "" for p in props.iterfind("spiffworkflow:property", NS)}


def _roles(text: str | None) -> tuple[str, ...]:
    return tuple(r.strip() for r in (text or "").split(",") if r.strip())


def process_info(files: dict[str, str], key: str, parsed: ParsedProcess) -> ProcessInfo:
    """The process's own declaration: names, who may start it, its case number prefix, its limits table."""
    processes = _process_elements(files)
    element = processes[key]
    props = _element_properties(element)
    name = props.get("displayName") or element.get("name") or key
    stage_of = {bpmn_id: info.stage for bpmn_id, info in parsed.user_tasks.items()}
    return ProcessInfo(
        key=key, name=name, name_en=props.get("displayNameEn") or name, start_roles=_roles(props.get("startRoles")),
        case_no_prefix=props.get("caseNoPrefix", ""), limits_table=props.get("limitsTable") or "time_limits",
        stages=tuple(stage_order(processes, key, stage_of)),
        end_states=tuple(dict.fromkeys(parsed.end_statuses.values())),
        public_stages=_roles(props.get("publicStages")),
    )


def _messages(files: dict[str, str]) -> dict[str, MessageInfo]:
    """Messages the processes accept from outside: message start events of event subprocesses.

    The start event's ``allowedRoles`` property says who may send it (e.g. who may urge).
    """
    found: dict[str, MessageInfo] = {}
    for xml in files.values():
        root = etree.fromstring(xml.encode("utf-8"))
        messages = {m.get("id"): m for m in root.iterfind("bpmn:message", NS)}
        for sub in root.iterfind(".//bpmn:subProcess[@triggeredByEvent='true']", NS):
            for start in sub.iterfind("bpmn:startEvent", NS):
                ref = start.find("bpmn:messageEventDefinition", NS)
                if ref is None or ref.get("messageRef") not in messages:
                    continue
                message = messages[ref.get("messageRef")]
                props = {p.get("name"): p.get("value") for p in start.iterfind(".//spiffworkflow:property", NS)}
                variable = ref.findtext(".//spiffworkflow:messageVariable", namespaces=NS)
                roles = tuple(r.strip() for r in (props.get("allowedRoles") or "").split(",") if r.strip())
                found[message.get("name")] = MessageInfo(message.get("name"), roles, variable, props.get("formKey"))
    return found


def executable_process_ids(files: dict[str, str]) -> list[str]:
    ids: list[str] = []
    for xml in files.values():
        root = etree.fromstring(xml.encode("utf-8"))
        ids += [p.get("id") for p in root.iterfind("bpmn:process", NS) if p.get("isExecutable") == "true"]
    return ids


def process_files(files: dict[str, str], key: str) -> dict[str, str]:
    """The files process ``key`` needs: the one defining it and those of the processes it calls, transitively.

    A deployed version stores only these, so adding a fourth process to the folder leaves the versions
    of the other three as they are.
    """
    defined: dict[str, str] = {}
    calls: dict[str, set[str]] = {}
    for name, xml in files.items():
        root = etree.fromstring(xml.encode("utf-8"))
        for process in root.iterfind("bpmn:process", NS):
            defined[process.get("id")] = name
            calls[process.get("id")] = {c.get("calledElement") for c in process.iterfind(".//bpmn:callActivity", NS)}
    needed, todo = set(), [key]
    while todo:
        current = todo.pop()
        if current in needed or current not in defined:
            continue
        needed.add(current)
        todo += sorted(calls[current])
    return {defined[k]: files[defined[k]] for k in sorted(needed)}


def forms_used(parsed: ParsedProcess) -> set[str]:
    """The form keys of a parsed process's user tasks and messages."""
    used = {info.form_key for info in parsed.user_tasks.values()}
    return used | {m.form_key for m in parsed.messages.values() if m.form_key}


def check_bundle(files: dict[str, str], forms: dict[str, Any], roles: Iterable[str]) -> list[DeployProblem]:
    """Every reason this set of BPMN files and forms may not be deployed (empty: fine)."""
    problems: list[DeployProblem] = []
    for name, schema_doc in sorted(forms.items()):
        problems += _check_form(name, schema_doc)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name, xml in sorted(files.items()):
        try:
            root = etree.fromstring(xml.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            problems.append(DeployProblem(name, None, f"not well-formed XML (line {exc.lineno}): {exc.msg}"))
            continue
        problems += _check_xml(name, root)
        try:
            parser.add_bpmn_xml(etree.ElementTree(root).getroot(), filename=name)
        except ValidationException as exc:
            problems.append(DeployProblem(name, exc.id or None, f"line {exc.line_number}: {exc}"))
    if problems:
        return problems
    role_set = set(roles)
    for key in executable_process_ids(files):
        try:
            parsed = parse_process(files, key)
        except ValidationException as exc:
            problems.append(DeployProblem(exc.file_name or "?", exc.id or None, str(exc)))
            continue
        for info in parsed.user_tasks.values():
            problems += _check_user_task(files, info, forms, role_set)
        for message in parsed.messages.values():
            if message.form_key and message.form_key not in forms:
                problems.append(DeployProblem("?", message.name, f"no form '{message.form_key}.json' in forms/"))
            unknown = set(message.allowed_roles) - role_set
            if unknown:
                problems.append(DeployProblem("?", message.name, f"allowedRoles names no role: {sorted(unknown)}"))
    return _unique(problems)


def _unique(problems: list[DeployProblem]) -> list[DeployProblem]:
    seen, result = set(), []
    for p in problems:
        if (p.file, p.element, p.reason) not in seen:
            seen.add((p.file, p.element, p.reason))
            result.append(p)
    return result


def _file_of(files: dict[str, str], bpmn_id: str) -> str:
    for name, xml in files.items():
        if f'id="{bpmn_id}"' in xml:
            return name
    return "?"


def _check_user_task(files: dict[str, str], info: UserTaskInfo, forms: dict[str, Any],
                     roles: set[str]) -> list[DeployProblem]:
    file = _file_of(files, info.bpmn_id)
    problems = []
    if not info.lane:
        problems.append(DeployProblem(file, info.bpmn_id, "user task is in no lane (the lane names the role)"))
    elif info.lane not in roles:
        problems.append(DeployProblem(file, info.bpmn_id,
                                      f"lane '{info.lane}' is not a role (roles: {', '.join(sorted(roles))})"))
    if info.form_key not in forms:
        problems.append(DeployProblem(file, info.bpmn_id, f"no form '{info.form_key}.json' in forms/"))
    if info.scope not in SCOPES:
        problems.append(DeployProblem(file, info.bpmn_id, f"scope '{info.scope}' is not one of {sorted(SCOPES)}"))
    return problems


def _check_xml(name: str, root: Any) -> list[DeployProblem]:
    """What SpiffWorkflow would only find at run time: deciding gateways, sandboxed code, timer values."""
    return _check_gateways(name, root) + _check_scripts(name, root) + _check_timers(name, root)


def _check_gateways(name: str, root: Any) -> list[DeployProblem]:
    """A deciding gateway with several ways out needs a default flow, or a case can get stuck on it."""
    sources = [f.get("sourceRef") for f in root.iterfind(".//bpmn:sequenceFlow", NS)]
    return [DeployProblem(name, gw.get("id"), "gateway has no default flow")
            for tag in ("exclusiveGateway", "inclusiveGateway") for gw in root.iterfind(f".//bpmn:{tag}", NS)
            if sources.count(gw.get("id")) > 1 and not gw.get("default")]


def _check_scripts(name: str, root: Any) -> list[DeployProblem]:
    """Conditions, script tasks and pre/post scripts, each compiled in the sandbox."""
    problems = []
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        cond = flow.find("bpmn:conditionExpression", NS)
        if cond is not None and (cond.text or "").strip():
            problems += _check_code(name, flow.get("id"), cond.text.strip(), "eval", "condition")
    for script_task in root.iterfind(".//bpmn:scriptTask", NS):
        script = script_task.find("bpmn:script", NS)
        if script is not None and (script.text or "").strip():
            problems += _check_code(name, script_task.get("id"), script.text, "exec", "script")
    for ext in ("preScript", "postScript"):
        for node in root.iterfind(f".//spiffworkflow:{ext}", NS):
            owner = node.getparent().getparent()
            problems += _check_code(name, owner.get("id"), node.text or "", "exec", ext)
    return problems


def _check_timers(name: str, root: Any) -> list[DeployProblem]:
    problems = []
    for kind in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.iterfind(f".//bpmn:{kind}", NS):
            owner = node.getparent().getparent()
            problems += _check_timer(name, owner.get("id"), kind, (node.text or "").strip())
    return problems


def _check_code(name: str, element: str | None, text: str, mode: str, what: str) -> list[DeployProblem]:
    try:
        compile_script(text.strip() if mode == "eval" else text, mode)
    except ScriptRejected as exc:
        return [DeployProblem(name, element, f"{what}: {exc}")]
    return []


def _check_timer(name: str, element: str | None, kind: str, text: str) -> list[DeployProblem]:
    if not text:
        return [DeployProblem(name, element, f"{kind} is empty")]
    if _ISO_DURATION.match(text) or re.match(r"^\d{4}-\d\d-\d\dT", text):
        return [DeployProblem(name, element,
                              f"{kind} '{text}' is a bare ISO value; timer expressions are Python, quote it: \"{text}\"")]
    return _check_code(name, element, text, "eval", kind)


def _check_form(name: str, doc: Any) -> list[DeployProblem]:
    file = f"{name}.json"
    if not isinstance(doc, dict) or not isinstance(doc.get("schema"), dict):
        return [DeployProblem(file, None, "a form is a JSON object with a 'schema' (JSON Schema) object")]
    schema = doc["schema"]
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "schema"
        return [DeployProblem(file, where, f"not a valid JSON Schema: {exc.message}")]
    if schema.get("type") != "object":
        return [DeployProblem(file, "schema", "the schema's type must be 'object'")]
    return []


SNIPPET_KINDS = {"condition": "eval", "script": "exec", "preScript": "exec", "postScript": "exec",
                 "timeDate": "timer", "timeDuration": "timer", "timeCycle": "timer"}


def check_snippet(kind: str, text: str) -> list[str]:
    """The sandbox's compile check of one condition, script or timer expression, as deploy runs it.

    :returns: the reasons it would be refused (empty: it compiles).
    """
    mode = SNIPPET_KINDS[kind]
    if mode == "timer":
        found = _check_timer("", None, kind, (text or "").strip())
    elif not (text or "").strip():
        return []
    else:
        found = _check_code("", None, text, mode, kind)
    return [p.reason for p in found]
