"""Audit (审计): the tamper-evident case timeline, its daily digests, and who viewed personal data.

A supervision centre's figures decide departments' scores and people's pay, so a case's history
must not be changed unnoticed — not even by an administrator with SQL access. Each timeline line
carries a hash chained to the previous line of its case (``chain``), each day's chain heads are sealed
into a digest a city can publish (``digests``), and ``verify`` recomputes all of it.
"""
