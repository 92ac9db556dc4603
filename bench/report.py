"""The benchmark's table and its verdict against the targets of issue 7."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

READS = (("inspector_inbox", "inspector's inbox"), ("dispatcher_inbox", "dispatcher's inbox"),
         ("department_inbox", "department's inbox"),
         ("case_search_district_status_month", "case search: district + status + month"),
         ("case_page", "case page (leader)"), ("case_page_as_inspector", "case page (the grid's inspector)"),
         ("evaluation_month_counts", "evaluation counts: district × month"),
         ("case_list_unfiltered", "case list, no filter (first page)"),
         ("case_list_as_inspector_or_handler", "case list of an inspector or a handler"))
RATIO_TARGET = {"sqlite": 2.5, "postgresql": 4.0}
READ_P95_MS = 25.0


def _get(data: Any, *path: str, default: Any = None) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def _pair(a: Any, b: Any, fmt: str = "{:.1f}") -> str:
    if a is None or b is None:
        return "–"
    return f"{fmt.format(a)} / {fmt.format(b)}"


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue with the figure reached and whether it is met."""
    out: list[dict[str, Any]] = []

    def add(name: str, value: Any, ok: bool | None) -> None:
        out.append({"target": name, "value": value, "ok": ok})

    for backend, data in result["backends"].items():
        ratio = _get(data, "lifecycle", "engine_over_floor")
        limit = RATIO_TARGET.get(backend, 4.0)
        add(f"{backend}: lifecycle engine/floor ≤ {limit}", ratio, None if ratio is None else ratio <= limit)
        tenth = _get(data, "lifecycle", "engine", "last_over_first")
        add(f"{backend}: no per-case slowdown (last tenth / first tenth ≤ 1.2)", tenth,
            None if tenth is None else tenth <= 1.2)
        scale = _get(data, "lifecycle_at_scale", "over_empty_db")
        add(f"{backend}: lifecycle with the history loaded / empty database ≤ 1.2", scale,
            None if scale is None else scale <= 1.2)
        for key, label in READS:
            p95 = _get(data, "reads", key, "p95_ms")
            add(f"{backend}: {label} p95 ≤ {READ_P95_MS:g} ms", p95, None if p95 is None else p95 <= READ_P95_MS)
        every = _get(data, "evaluation", "all_scorecards_max_ms")
        add(f"{backend}: all scorecards of one month ≤ 2 s", every, None if every is None else every <= 2000)
        for key, label in (("ranking_once_computed", "evaluation ranking"), ("drill_once_computed", "drill-down")):
            p95 = _get(data, "evaluation", key, "p95_ms")
            add(f"{backend}: {label} once computed p95 ≤ {READ_P95_MS:g} ms", p95,
                None if p95 is None else p95 <= READ_P95_MS)
        gen = _get(data, "history", "total_s")
        add(f"{backend}: history generated in < 180 s", gen, None if gen is None else gen < 180)
        replay = _get(data, "what_if", "median_s")
        tasks = _get(data, "what_if", "tasks")
        add(f"{backend}: what-if replay of a month's stage tasks ({tasks or 0:,}) ≤ 10 s", replay,
            None if replay is None else replay <= 10)
        snap = _get(data, "command", "snapshot", "p50_ms")
        add(f"{backend}: big screen's first load (all open cases) ≤ 300 ms", snap, None if snap is None else snap <= 300)
        delta = _get(data, "command", "delta_50_events", "p95_ms")
        add(f"{backend}: screen delta p95 ≤ 10 ms", delta, None if delta is None else delta <= 10)
        rate = _get(data, "command", "video", "per_s")
        add(f"{backend}: video events ≥ 100/s, repeats folded", rate, None if rate is None else rate >= 100)
        track = _get(data, "command", "track", "p50_ms")
        add(f"{backend}: a day's track (2,880 fixes) stored ≤ 100 ms", track, None if track is None else track <= 100)
        claim = _get(data, "scheduler", "large_over_small")
        add(f"{backend}: finding due timers among 100,000 ≈ among 100 (ratio ≤ 1.5)", claim,
            None if claim is None else claim <= 1.5)
    rate = _get(result, "geocoding", "batch_points_per_s")
    add("geocoding batch ≥ 100,000 points/s", rate, None if rate is None else rate >= 100_000)
    p95 = _get(result, "geocoding", "single_p95_us")
    add("geocoding single lookup p95 ≤ 100 µs", p95, None if p95 is None else p95 <= 100)
    mem = _get(result, "backends", "sqlite", "web_memory", "with_big_city_mb")
    add("web process with ~30,000 grids < 300 MB RSS", mem, None if mem is None else mem < 300)
    return out


def _load_lines(result: dict[str, Any], backends: list[str]) -> list[str]:
    """The throughput table (gunicorn workers under the multi-process load) and the city day."""
    lines: list[str] = []
    for b in backends:
        data = result["backends"][b]
        runs = _get(data, "throughput", "runs")
        if runs:
            lines += ["", f"THROUGHPUT ({b}, gunicorn workers, {_get(data, 'throughput', 'cores')} cores shared by server, "
                          "database and load clients; per step 2 reads)",
                      "  workers  clients  cases  cases/s  × 1 worker  steps/s  step p50 / p95 ms  read p50 / p95 ms"]
            for r in runs:
                lines.append(f"  {r['workers']:>7}  {r['clients']:>7}  {r['cases']:>5}  {r['cases_per_s']:>7}  "
                             f"{r['over_one_worker']:>10}  {r['steps_per_s']:>7}  "
                             f"{r['step_p50_ms']:>8} / {r['step_p95_ms']:<8} {r['read_p50_ms']:>6} / {r['read_p95_ms']}")
        elif _get(data, "throughput", "error"):
            lines += ["", f"THROUGHPUT ({b}): {_get(data, 'throughput', 'error')}"]
        day = data.get("city_day")
        if isinstance(day, dict) and "cases" in day:
            lines += ["", f"CITY DAY ({b}): {day['cases']:,} cases, whole lifecycles through the JSON API, "
                          f"{day['workers']} gunicorn worker(s), {day['clients']} clients: {day['wall_s']} s "
                          f"({day['cases_per_s']} cases/s; step p50 / p95 {day['step_p50_ms']} / {day['step_p95_ms']} ms)"]
    return lines


def render(result: dict[str, Any]) -> str:
    meta = result["meta"]
    sizes = meta["sizes"]
    backends = list(result["backends"])
    lines = [f"szcg bench — {meta['mode']} run, {meta['date']}; {meta['machine']}; Python {meta['python']}, "
             f"SpiffWorkflow {meta['spiffworkflow']}; {meta['run_s']} s"]
    if meta["mode"] == "quick":
        lines.append(f"QUICK: {sizes['lifecycle']} lifecycle cases and a history of {sizes['finished']:,} "
                     f"finished + {sizes['open']:,} open cases (the full run: 300 and 1,000,000).")
    width = 44
    header = f"{'':{width}}" + "".join(f"{_get(result['backends'][b], 'setup', 'server', default=b):>24}"
                                      for b in backends)
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("LIFECYCLE (per case: report + 7 steps)", lambda d: ""),
        ("  engine p50 / p95 ms", lambda d: _pair(_get(d, "lifecycle", "engine", "p50_ms"),
                                                 _get(d, "lifecycle", "engine", "p95_ms"))),
        ("  engine cases/s (one process)", lambda d: str(_get(d, "lifecycle", "engine", "cases_per_s", default="–"))),
        ("  floor (bare SpiffWorkflow) p50 / p95 ms", lambda d: _pair(_get(d, "lifecycle", "floor", "p50_ms"),
                                                                      _get(d, "lifecycle", "floor", "p95_ms"))),
        ("  engine / floor", lambda d: str(_get(d, "lifecycle", "engine_over_floor", default="–"))),
        ("  first / last tenth p50 ms", lambda d: _pair(_get(d, "lifecycle", "engine", "first_tenth_ms"),
                                                        _get(d, "lifecycle", "engine", "last_tenth_ms"))),
        ("  with the history loaded: p50 ms (× empty)",
         lambda d: f"{_get(d, 'lifecycle_at_scale', 'p50_ms', default='–')} "
                   f"({_get(d, 'lifecycle_at_scale', 'over_empty_db', default='–')})"),
        ("  workflow state per closed case, bytes", lambda d: f"{_get(d, 'workflow_state_bytes', default=0):,}"),
        ("  peak RSS MB", lambda d: str(_get(d, "lifecycle", "peak_rss_mb", default="–"))),
        ("HTTP (Flask test client)", lambda d: ""),
        ("  p50 / p95 ms", lambda d: _pair(_get(d, "http", "p50_ms"), _get(d, "http", "p95_ms"))),
        ("  HTTP / engine", lambda d: str(_get(d, "http", "http_over_engine", default="–"))),
        (f"READS ({sizes['finished'] + sizes['open']:,} cases; p50 / p95 ms)", lambda d: ""),
        *[(f"  {label}", (lambda k: lambda d: _pair(_get(d, "reads", k, "p50_ms"),
                                                    _get(d, "reads", k, "p95_ms")))(key)) for key, label in READS],
        ("  history generated in s (cases/tasks+timeline/indexes)",
         lambda d: f"{_get(d, 'history', 'total_s', default='–')} ({_get(d, 'history', 'cases_s', default='–')}/"
                   f"{_get(d, 'history', 'tasks_events_s', default='–')}/{_get(d, 'history', 'indexes_s', default='–')})"),
        ("  database bytes per case (no workflow state)",
         lambda d: f"{_get(d, 'history', 'bytes_per_case', default=0):,}"),
        ("EVALUATION (one month)", lambda d: f"{_get(d, 'evaluation', 'cases_in_month', default='–')} cases"),
        ("  all scorecards of a month, p50 / max ms",
         lambda d: _pair(_get(d, "evaluation", "all_scorecards", "p50_ms"),
                         _get(d, "evaluation", "all_scorecards_max_ms"))),
        ("  ranking once computed, p50 / p95 ms",
         lambda d: _pair(_get(d, "evaluation", "ranking_once_computed", "p50_ms"),
                         _get(d, "evaluation", "ranking_once_computed", "p95_ms"))),
        ("  drill-down once computed, p50 / p95 ms",
         lambda d: _pair(_get(d, "evaluation", "drill_once_computed", "p50_ms"),
                         _get(d, "evaluation", "drill_once_computed", "p95_ms"))),
        (f"SCHEDULER ({sizes['due']} due timers)", lambda d: ""),
        ("  find due: few / 100,000 open timers, ms", lambda d: _pair(_get(d, "scheduler", "claim_small_ms"),
                                                                      _get(d, "scheduler", "claim_large_ms"), "{:.2f}")),
        ("  find and fire all due, ms", lambda d: str(_get(d, "scheduler", "find_and_fire_ms",
                                                            default=_get(d, "scheduler", "skipped", default="–")))),
        ("WHAT-IF (a shorter limit over the last 30 days)", lambda d: ""),
        ("  stage tasks replayed / verdicts changed", lambda d: f"{_get(d, 'what_if', 'tasks', default=0):,} / "
                                                               f"{_get(d, 'what_if', 'changed', default=0):,}"),
        ("  replay, s (median of 3)", lambda d: str(_get(d, "what_if", "median_s", default="–"))),
    ]
    lines += ["", header]
    for label, fn in rows:
        lines.append(f"{label:{width}}" + "".join(f"{fn(result['backends'][b]):>24}" for b in backends))
    geo = result.get("geocoding", {})
    mem = _get(result, "backends", "sqlite", "web_memory", default={})
    lines += _load_lines(result, backends)
    lines += ["", f"GEOCODING ({geo.get('grids', 0):,} grids): batch {geo.get('batch_points_per_s', 0):,} points/s; "
                  f"single p50 {geo.get('single_p50_us')} µs, p95 {geo.get('single_p95_us')} µs",
              f"MEMORY of a web process: app {mem.get('app_mb')} MB; with the demo city ({mem.get('grids')} grids) "
              f"{mem.get('with_city_mb')} MB; with {mem.get('big_grids')} grids {mem.get('with_big_city_mb')} MB",
              "", "TARGETS"]
    for t in result.get("targets", []):
        mark = "ok  " if t["ok"] else ("MISS" if t["ok"] is False else "–   ")
        lines.append(f"  {mark} {t['target']}: {t['value']}")
    for err in result.get("errors", []):
        lines.append(f"  ERROR {err}")
    return "\n".join(lines)
