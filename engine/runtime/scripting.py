"""The sandbox for everything SpiffWorkflow evaluates: scripts, conditions, timer and DMN cells.

SpiffWorkflow's default environment is plain ``eval``/``exec``: ``import os`` works, and a
restricted ``__builtins__`` alone can be escaped through dunder attributes (measured in
SPIFFWORKFLOW_NOTES §9). So every expression is compiled by RestrictedPython (no ``_``-names,
guarded attribute, item and iteration access), imports are refused before compiling, the
builtins are a whitelist, and a wall-clock limit stops runaway Python loops. The limit works
in any thread (``sys.settrace`` with opcode events) because waitress and APScheduler run steps
in worker threads where SIGALRM cannot be used.

What a process may call besides plain expressions is the reviewed set in
:mod:`engine.runtime.helpers`, passed in as ``helpers``.
"""

from __future__ import annotations

import ast
import operator
import sys
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

SCRIPT_FILENAME = "<bpmn-script>"
DEFAULT_TIME_LIMIT = 1.0  # seconds of wall-clock time for one script or expression
MAX_RANGE = 100_000


class ScriptRejected(ValueError):
    """A script uses something the sandbox forbids (import, dunder access, ``**``)."""


class ScriptTimeout(RuntimeError):
    """A script ran longer than the sandbox allows."""


def _safe_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ScriptRejected(f"range() of more than {MAX_RANGE} items is not allowed in a process script")
    return result


_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "|=": operator.ior, "&=": operator.iand,
}


def _inplacevar(op: str, left: Any, right: Any) -> Any:
    try:
        return _INPLACE[op](left, right)
    except KeyError:
        raise ScriptRejected(f"operator {op} is not allowed in a process script") from None


def _getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's safer_getattr, with its refusal of str.format turned into ours."""
    try:
        return safer_getattr(obj, name, default)
    except NotImplementedError as exc:  # raised for str.format / format_map
        raise ScriptRejected(str(exc)) from None


_EXTRA_BUILTINS = {
    "range": _safe_range, "min": min, "max": max, "sum": sum, "any": any, "all": all,
    "sorted": sorted, "enumerate": enumerate, "dict": dict, "list": list, "set": set,
    "reversed": reversed, "map": map, "filter": filter,
}

BASE_GLOBALS: dict[str, Any] = {
    "__builtins__": {**safe_builtins, **_EXTRA_BUILTINS},
    "_getattr_": _getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
}


class _Precheck(ast.NodeVisitor):
    """Refuse what RestrictedPython would only catch at run time, with a clear message."""

    def visit_Import(self, node: ast.AST) -> None:
        raise ScriptRejected(f"line {node.lineno}: import is not allowed in a process script")

    visit_ImportFrom = visit_Import

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Pow):
            raise ScriptRejected(f"line {node.lineno}: the ** operator is not allowed in a process script")
        self.generic_visit(node)


@lru_cache(maxsize=4096)
def compile_script(source: str, mode: str) -> CodeType:
    """Compile once per distinct text: the same conditions run for every case."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ScriptRejected(f"line {exc.lineno}: syntax error: {exc.msg}") from None
    _Precheck().visit(tree)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, filename=SCRIPT_FILENAME)
    if result.errors:
        raise ScriptRejected("; ".join(result.errors))
    return result.code


def _run_limited(code: CodeType, namespace: dict[str, Any], limit: float, evaluate: bool) -> Any:
    """Run ``code`` with a wall-clock limit enforced on every bytecode of the script."""
    deadline = time.monotonic() + limit

    def on_opcode(frame: Any, event: str, arg: Any) -> Any:
        if event == "opcode" and time.monotonic() > deadline:
            raise ScriptTimeout(f"the script ran longer than {limit:g} s and was stopped")
        return on_opcode

    def on_call(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != SCRIPT_FILENAME:
            return None
        frame.f_trace_opcodes = True
        return on_opcode

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        if evaluate:
            return eval(code, namespace)
        exec(code, namespace)
        return True
    finally:
        sys.settrace(previous)


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that runs everything in the sandbox.

    Task data are the script's globals (as in SpiffWorkflow's TaskDataEnvironment); helper
    functions are added for the run and removed from the data afterwards, so they are
    never serialized.
    """

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None,
                 time_limit: float = DEFAULT_TIME_LIMIT) -> None:
        super().__init__({**BASE_GLOBALS, **(helpers or {})})
        self.time_limit = time_limit

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict | None = None) -> Any:
        namespace = {**self.globals, **(external_context or {}), **context}
        return _run_limited(compile_script(expression, "eval"), namespace, self.time_limit, evaluate=True)

    def execute(self, script: str, context: dict[str, Any], external_context: dict | None = None) -> bool:
        clashes = (set(self.globals) | set(external_context or {})) & set(context)
        if clashes:
            raise ScriptRejected(f"task data overwrite reserved names: {', '.join(sorted(clashes))}")
        code = compile_script(script, "exec")
        namespace = {**self.globals, **(external_context or {}), **context}
        _run_limited(code, namespace, self.time_limit, evaluate=False)
        reserved = set(self.globals) | set(external_context or {})
        for key, value in namespace.items():
            if key not in reserved and not callable(value):
                context[key] = value
        for key in [k for k in context if k not in namespace]:
            del context[key]
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ScriptRejected("service tasks are not supported; call a helper from a script task")


class SandboxScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose validation also applies the sandbox rules."""

    def __init__(self, environment: SandboxEnvironment) -> None:
        super().__init__(environment=environment)

    def validate(self, expression: str) -> None:
        try:
            ast.parse(expression)
        except SyntaxError:
            raise
        compile_script(expression, "eval" if _is_expression(expression) else "exec")


def _is_expression(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
        return True
    except SyntaxError:
        return False
