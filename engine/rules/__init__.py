"""Rules (规则): the decision tables a city edits without programmers — their checks (``checks``) and their
versions, dry runs, activation and evaluation at run time (``tables``)."""
