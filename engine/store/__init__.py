"""Persistence: SQLAlchemy models, the database and the unit of work."""
