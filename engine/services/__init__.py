"""Use cases: one plain function each, called by the API, the pages, the CLI and tests."""
