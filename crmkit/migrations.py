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


def add_event_numbers() -> None:
    """Every service's migration to numbered events (crmkit.outbox, crmkit.inbox): the outbox's
    numbers and their counters, the inbox's producer and number, and the watermarks. Called by
    one migration of each service; a later change gets a migration of its own."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "outbox_numbers",
        sa.Column("event_type", sa.String(120), primary_key=True),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_outbox_type_number", ["event_type", "number"], unique=True)
    op.create_table(
        "watermarks",
        sa.Column("producer", sa.String(40), primary_key=True),
        sa.Column("event_type", sa.String(120), primary_key=True),
        sa.Column("applied_up_to", sa.BigInteger(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("producer", sa.String(40), nullable=True))
        batch_op.add_column(sa.Column("sequence", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_inbox_numbered", ["producer", "event_type", "sequence"])


def drop_event_numbers() -> None:
    from alembic import op

    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_numbered")
        batch_op.drop_column("sequence")
        batch_op.drop_column("producer")
    op.drop_table("watermarks")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_type_number")
        batch_op.drop_column("number")
    op.drop_table("outbox_numbers")


def add_audit_entries() -> None:
    """Every service's migration to an audit of its records (crmkit.audit)."""
    from alembic import op

    from crmkit.audit import define_audit

    define_audit(MetaData()).create(op.get_bind())


def drop_audit_entries() -> None:
    from alembic import op

    op.drop_table("audit_entries")


def add_lifecycle(table: str, archived: bool = True) -> None:
    """A table's records get a version and, unless they have a column for it already, the
    moment they were archived (crmkit.domain.Lifecycle)."""
    import sqlalchemy as sa
    from alembic import op

    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        if archived:
            batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True)))


def drop_lifecycle(table: str, archived: bool = True) -> None:
    from alembic import op

    with op.batch_alter_table(table, schema=None) as batch_op:
        if archived:
            batch_op.drop_column("archived_at")
        batch_op.drop_column("version")
