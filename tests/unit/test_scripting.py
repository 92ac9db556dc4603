"""The sandbox every BPMN script, condition and DMN cell runs in."""

from __future__ import annotations

import pytest

from engine.runtime.scripting import SandboxEnvironment, ScriptRejected, ScriptTimeout


@pytest.fixture
def env():
    return SandboxEnvironment({"double": lambda x: 2 * x}, time_limit=0.2)


def test_plain_conditions_and_helpers_work(env):
    assert env.evaluate('decision == "void"', {"decision": "void"}) is True
    assert env.evaluate("double(n) + 1", {"n": 4}) == 9
    assert env.evaluate('source in ("citizen", "hotline")', {"source": "hotline"}) is True


def test_scripts_update_task_data_without_leaking_helpers(env):
    data = {"n": 1}
    env.execute("n += 1\nlabel = f'x{n}'\nitems = [i for i in range(3)]", data)
    assert data == {"n": 2, "label": "x2", "items": [0, 1, 2]}


@pytest.mark.parametrize("script", [
    "import os",
    "from os import path",
    "__import__('os')",
    "().__class__.__base__.__subclasses__()",
    "'{0.__class__}'.format(1)",
    "open('/etc/hostname')",
    "getattr(x, '__class__')",
    "2 ** 1000000",
])
def test_escapes_are_refused(env, script):
    with pytest.raises((ScriptRejected, NameError, AttributeError, TypeError, ImportError)):
        env.execute(script, {"x": 1})


@pytest.mark.parametrize("script", ["while True: pass", "x = 0\nwhile True:\n    x += 1",
                                    "def gen():\n    while True:\n        yield 1\nfor i in gen():\n    pass"])
def test_runaway_loops_are_stopped(env, script):
    with pytest.raises(ScriptTimeout):
        env.execute(script, {})


def test_huge_ranges_are_refused(env):
    with pytest.raises(ScriptRejected):
        env.evaluate("sum(range(1000000000))", {})


def test_task_data_may_not_shadow_helpers(env):
    with pytest.raises(ScriptRejected):
        env.execute("y = 1", {"double": 3})
