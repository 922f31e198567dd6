from crmkit.migrations import run_migrations
from services.analytics.adapters.orm import metadata

run_migrations(metadata)
