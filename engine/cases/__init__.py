"""Cases (案件): a report becomes a case, and every step of its life after that.

``reports`` (信息收集: a report starts a process), ``steps`` (the hot path: one step of one case in one
transaction), ``tasks`` (a user task: show it, complete it), ``inbox`` (任务列表), ``actions`` (urge,
reassign: steps that are not a task), ``duplicates`` (重复上报), ``attachments`` (photos), ``queries`` and
``views`` (read models: never run the engine), ``public`` (the citizen's report and tracking page).

Which department a case is dispatched to, and how long each stage may take, is not here: it is data
(``workflows/dispatch_routing.dmn``, ``workflows/time_limits.dmn``), evaluated by :mod:`engine.rules`.
"""
