"""The demo Urumqi behind ``szcg demo``: generated places, components, organisation and cases.

Imported only by the CLI (and the benchmark, which sets up its databases like ``make run``); the core
(:mod:`engine`) never imports it, so nothing a city runs depends on demo data.
"""
