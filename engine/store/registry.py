"""Import every model module so the metadata Alembic compares against is complete."""

from engine.store import (  # noqa: F401
    audit_models,
    command_models,
    evaluation_models,
    exchange_models,
    models,
    ops_models,
    places_models,
    rules_models,
    ui_models,
)
from engine.store.base import Base

metadata = Base.metadata
