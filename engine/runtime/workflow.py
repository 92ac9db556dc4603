"""SpiffWorkflow behind one small object: parse, start, run, (de)serialize.

Nothing outside :mod:`engine.runtime` touches SpiffWorkflow; the rest of szcg sees
:class:`ParsedProcess`, :class:`ReadyTask` and opaque workflow objects. That keeps the
library's changing APIs (its timer API changed twice in 2026) behind one door.

Workflow state is stored with the process spec *by reference*: the serialized JSON holds the
tasks and data only, and loading re-attaches the parsed spec from an in-process cache keyed
by the process definition's id (10 KB instead of 26 KB a case, 0.5 ms instead of 1.3 ms a
round trip, SPIFFWORKFLOW_NOTES §6).
"""

from __future__ import annotations

import contextvars
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.version import __version__ as SPIFF_VERSION

from engine.errors import ProcessError
from engine.runtime import state_format
from engine.runtime.scripting import SandboxEnvironment, SandboxScriptEngine, ScriptRejected, ScriptTimeout
from engine.runtime.timesource import clock_bound

SERIALIZER_VERSION = "1.5"

# The specs a deserialization attaches; set around each load (thread- and task-safe).
_specs_for_load: contextvars.ContextVar[ParsedProcess] = contextvars.ContextVar("_specs_for_load")


@dataclass(frozen=True)
class UserTaskInfo:
    """What the engine needs to know about one BPMN user task, read from the diagram."""

    bpmn_id: str
    name: str
    lane: str | None
    stage: str
    form_key: str
    scope: str
    documentation: str | None = None
    show_data: tuple[str, ...] = ()
    case_clock: bool = False
    priority: int = 0
    department_key: str = "department_code"
    scope_key: str | None = None
    side_task: bool = False
    notify: bool = False  # tell the task's candidates when it becomes ready (an escalation)


@dataclass(frozen=True)
class MessageInfo:
    """A message the process accepts from outside (an event subprocess's message start)."""

    name: str
    allowed_roles: tuple[str, ...]
    variable: str | None
    form_key: str | None = None


@dataclass(frozen=True)
class ProcessInfo:
    """What a process says of itself in its diagram (process-level ``spiffworkflow:properties``).

    ``start_roles`` empty: the process is only called by others (a call activity), never started by a
    report. ``stages`` are its user tasks' stages in the order a case meets them (from the start event
    along the sequence flows, into subprocesses and called processes); ``end_states`` its ``caseStatus``
    values. Nothing about a process is written in Python: a designer declares it here.
    """

    key: str
    name: str
    name_en: str
    start_roles: tuple[str, ...] = ()
    case_no_prefix: str = ""
    limits_table: str = "time_limits"
    stages: tuple[str, ...] = ()
    end_states: tuple[str, ...] = ()
    public_stages: tuple[str, ...] = ()  # ``publicStages``: stages a reporter sees on the tracking page


@dataclass
class ParsedProcess:
    """A deployed process version, parsed once per process and shared by all its cases."""

    key: str
    spec: Any
    subprocess_specs: dict[str, Any]
    info: ProcessInfo | None = None
    user_tasks: dict[str, UserTaskInfo] = field(default_factory=dict)
    end_statuses: dict[str, str] = field(default_factory=dict)
    messages: dict[str, MessageInfo] = field(default_factory=dict)

    def stage_has_case_clock(self, stage: str) -> bool:
        return any(info.case_clock for info in self.user_tasks.values() if info.stage == stage)


@dataclass(frozen=True)
class ReadyTask:
    """A READY user task of a running workflow."""

    id: str
    info: UserTaskInfo
    data: dict[str, Any]


@dataclass(frozen=True)
class WaitingTimer:
    """A timer event the workflow waits on; ``due`` is the ISO text SpiffWorkflow computed."""

    task_id: str
    bpmn_id: str
    due: str
    interrupting: bool | None


class _SpecByReferenceConverter(BpmnWorkflowConverter):
    """Serialize a workflow without its specs; restore them from :data:`_specs_for_load`."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec"] = {"ref": workflow.spec.name}
        dct["subprocess_specs"] = {}
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        parsed = _specs_for_load.get()
        dct.pop("spec")
        dct.pop("subprocess_specs", None)
        workflow = self.target_class(parsed.spec, parsed.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(text: str) -> Any:
    from uuid import UUID

    return UUID(text)


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpecByReferenceConverter
    registry = BpmnWorkflowSerializer.configure(config)
    return BpmnWorkflowSerializer(registry, version=SERIALIZER_VERSION)


class WorkflowRuntime:
    """Owns the serializer, the sandboxed script engine and the parsed-spec cache."""

    spiff_version = SPIFF_VERSION
    serializer_version = SERIALIZER_VERSION

    def __init__(self, helpers: dict[str, Callable[..., Any]], *, clock: Any = None, script_time_limit: float = 1.0,
                 cache_size: int = 64) -> None:
        self.clock = clock
        self.script_engine = SandboxScriptEngine(SandboxEnvironment(helpers, time_limit=script_time_limit))
        self.serializer = _make_serializer()
        self._cache: OrderedDict[int, ParsedProcess] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    # -- parsed specs -------------------------------------------------------------------
    def cached(self, definition_id: int, parse: Callable[[], ParsedProcess]) -> ParsedProcess:
        """Return the parsed process of a definition, parsing it at most once per process."""
        with self._lock:
            parsed = self._cache.get(definition_id)
            if parsed is not None:
                self._cache.move_to_end(definition_id)
                return parsed
        parsed = parse()
        with self._lock:
            self._cache[definition_id] = parsed
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return parsed

    # -- workflows ----------------------------------------------------------------------
    def start(self, parsed: ParsedProcess, data: dict[str, Any]) -> BpmnWorkflow:
        """Create a workflow with ``data`` as its start data; nothing runs yet."""
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=self.script_engine)
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        return workflow

    def dump(self, workflow: BpmnWorkflow) -> str:
        """Serialize the workflow's state (spec by reference) to compact JSON text.

        SpiffWorkflow's own dict without what its converter can be given back exactly
        (:mod:`engine.runtime.state_format`: 17.2 → 7.5 KB for a closed lifecycle case).
        """
        serializer = self.serializer
        serializer.registry._encoder_mode = True  # what serialize_json does around to_dict
        try:
            dct = serializer.to_dict(workflow)
            dct[serializer.VERSION_KEY] = serializer.VERSION
            return json.dumps(state_format.compact(dct), cls=serializer._encoder_cls, separators=(",", ":"))
        finally:
            serializer.registry._encoder_mode = False

    def dump_plain(self, workflow: BpmnWorkflow) -> str:
        """SpiffWorkflow's own JSON of the workflow (spec by reference), as stored before the compact form."""
        return self.serializer.serialize_json(workflow)

    def load(self, state: str, parsed: ParsedProcess) -> BpmnWorkflow:
        """Restore a workflow from :meth:`dump` (or :meth:`dump_plain`) output, attaching the cached spec."""
        token = _specs_for_load.set(parsed)
        try:
            dct = state_format.expand(json.loads(state))
            self.serializer.migrate(dct)
            workflow = self.serializer.from_dict(dct)
        finally:
            _specs_for_load.reset(token)
        workflow.script_engine = self.script_engine
        return workflow

    def run(self, workflow: BpmnWorkflow, on_completed: Callable[[Any], None] | None = None) -> None:
        """Run every automatic step (scripts, gateways, events) up to the next wait state.

        :raises ProcessError: naming the BPMN element when a script or condition fails.
        """
        with translate_errors(), clock_bound(self.clock):
            workflow.refresh_timers()
            workflow.do_engine_steps(did_complete_task=on_completed)

    def complete(self, workflow: BpmnWorkflow, task_id: str, data: dict[str, Any],
                 on_completed: Callable[[Any], None] | None = None) -> None:
        """Complete one READY user task with ``data`` and run to the next wait state."""
        task = self.find_task(workflow, task_id)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise LookupError(task_id)
        with translate_errors(), clock_bound(self.clock):
            task.data.update(data)
            task.run()
            if on_completed is not None:
                on_completed(task)
            workflow.refresh_timers()
            workflow.do_engine_steps(did_complete_task=on_completed)

    def send_message(self, workflow: BpmnWorkflow, name: str, payload: dict[str, Any],
                     on_completed: Callable[[Any], None] | None = None) -> None:
        """Deliver a message from outside (e.g. an urge) and run to the next wait state.

        :raises LookupError: the process is not waiting for such a message now.
        """
        from SpiffWorkflow.bpmn import BpmnEvent
        from SpiffWorkflow.exceptions import WorkflowException
        from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

        if workflow.is_completed():
            raise LookupError(name)
        with translate_errors(), clock_bound(self.clock):
            try:
                workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload))
            except WorkflowException as exc:
                raise LookupError(name) from exc
            workflow.do_engine_steps(did_complete_task=on_completed)

    @staticmethod
    def find_task(workflow: BpmnWorkflow, task_id: str) -> Any:
        try:
            return workflow.get_task_from_id(_uuid(task_id))
        except (ValueError, SpiffWorkflowException, KeyError):
            return None

    def ready_user_tasks(self, workflow: BpmnWorkflow, parsed: ParsedProcess) -> list[ReadyTask]:
        """READY manual tasks, in the order SpiffWorkflow reaches them."""
        result = []
        for task in workflow.get_tasks(state=TaskState.READY, manual=True):
            info = parsed.user_tasks.get(task.task_spec.bpmn_id)
            if info is not None:
                result.append(ReadyTask(id=str(task.id), info=info, data=task.data))
        return result

    @staticmethod
    def ready_user_task_ids(workflow: BpmnWorkflow, parsed: ParsedProcess) -> set[str]:
        """The ids of :meth:`ready_user_tasks`, without their order (one walk over a dict)."""
        return {str(t.id) for t in _live_tasks(workflow)
                if t.state == TaskState.READY and t.task_spec.manual and t.task_spec.bpmn_id in parsed.user_tasks}

    @staticmethod
    def waiting_timers(workflow: BpmnWorkflow) -> Iterator[WaitingTimer]:
        """Timer events the workflow waits on, with the due time SpiffWorkflow computed (no order)."""
        for task in _live_tasks(workflow):
            if task.state != TaskState.WAITING:
                continue
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition):
                value = task.internal_data.get("event_value")
                due = value["next"] if isinstance(value, dict) else value
                if due:
                    yield WaitingTimer(str(task.id), task.task_spec.bpmn_id, due,
                                       getattr(task.task_spec, "cancel_activity", None))

    @staticmethod
    def is_completed(workflow: BpmnWorkflow) -> bool:
        return workflow.is_completed()

    @staticmethod
    def completed_end_events(workflow: BpmnWorkflow) -> list[str]:
        """BPMN ids of the top process's end events reached, in the order they were reached."""
        ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
                if isinstance(t.task_spec, EndEvent) and t.workflow is workflow]
        return [t.task_spec.bpmn_id for t in sorted(ends, key=lambda t: t.last_state_change)]

    @staticmethod
    def data(workflow: BpmnWorkflow) -> dict[str, Any]:
        """The latest data: the last completed task's, since ``workflow.data`` fills only at the end."""
        if workflow.last_task is not None:
            return workflow.last_task.data
        return workflow.task_tree.data


def _live_tasks(workflow: BpmnWorkflow) -> Iterator[Any]:
    """Every task of the workflow and of its subprocesses, in no particular order.

    The tasks ``get_tasks()`` walks (it descends into every subprocess of the tree, and a
    subprocess leaves ``subprocesses`` with its owning task), found through the task dicts:
    SpiffWorkflow's tree iterator costs several times as much, and a step asks for the ready
    and the waiting tasks before and after it runs.
    """
    yield from workflow.tasks.values()
    for sub in workflow.subprocesses.values():
        yield from sub.tasks.values()


class translate_errors:
    """Turn SpiffWorkflow and sandbox failures into :class:`ProcessError` naming the element."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None:
            return False
        if isinstance(exc, WorkflowTaskException):
            element = getattr(getattr(exc, "task_spec", None), "bpmn_id", None) or getattr(
                getattr(getattr(exc, "task", None), "task_spec", None), "bpmn_id", None)
            inner = getattr(exc, "exception", None)
            reason = str(inner) if isinstance(inner, ScriptRejected | ScriptTimeout) else str(exc)
            raise ProcessError(f"process step '{element}' failed: {reason}", element=element) from exc
        if isinstance(exc, ScriptRejected | ScriptTimeout):
            raise ProcessError(f"process script refused: {exc}") from exc
        if isinstance(exc, SpiffWorkflowException):
            raise ProcessError(f"process error: {exc}") from exc
        return False


def user_task_specs(parsed: ParsedProcess) -> Iterator[Any]:
    """Every user task spec of the process and its subprocesses."""
    for spec in [parsed.spec, *parsed.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, UserTask):
                yield task_spec


def end_event_specs(parsed: ParsedProcess) -> Iterator[Any]:
    for task_spec in parsed.spec.task_specs.values():
        if isinstance(task_spec, EndEvent):
            yield task_spec
