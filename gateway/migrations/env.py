from crmkit.migrations import run_migrations
from gateway.store import metadata

run_migrations(metadata)
