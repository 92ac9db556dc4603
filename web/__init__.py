"""szcg web: the Flask app (JSON API, pages) and the CLI. Never touches SpiffWorkflow."""
