"""The body of every service's Alembic env.py: one history per service, its own tables only."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, create_engine
from sqlalchemy.pool import NullPool


def run_migrations(metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None, "sqlalchemy.url is set by crmkit.db.alembic_config"
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
