"""Evaluation (综合评价): scores of places, departments and positions, read from the case summaries and the
audit trail — never by running the engine."""
