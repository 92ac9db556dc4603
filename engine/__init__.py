"""szcg engine: use cases, the workflow runtime, rules, places and storage. Never imports Flask."""
