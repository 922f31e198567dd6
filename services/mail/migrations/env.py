from crmkit.migrations import run_migrations
from services.mail.adapters.orm import metadata

run_migrations(metadata)
