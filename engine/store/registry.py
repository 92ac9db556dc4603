"""Import every model module so the metadata Alembic compares against is complete."""

from engine.store import evaluation_models, models, places_models, rules_models, ui_models  # noqa: F401
from engine.store.base import Base

metadata = Base.metadata
