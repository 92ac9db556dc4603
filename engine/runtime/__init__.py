"""The SpiffWorkflow runtime: the only place that imports SpiffWorkflow."""
