"""Import every model module so the metadata Alembic compares against is complete."""

from engine.store import audit_models, models, ops_models, places_models, rules_models, ui_models  # noqa: F401
from engine.store.base import Base

metadata = Base.metadata
