from crmkit.migrations import run_migrations
from services.deals.adapters.orm import metadata

run_migrations(metadata)
