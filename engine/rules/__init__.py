"""Business rules the city edits without programmers: decision tables and their checks."""

from engine.rules.tables import TableProblem, check_table

__all__ = ["TableProblem", "check_table"]
