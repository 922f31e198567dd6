from crmkit.migrations import run_migrations
from services.contacts.adapters.orm import metadata

run_migrations(metadata)
