"""`python -m services.deals serve|consume|relay|migrate|worker|beat`"""

from crmkit.service_cli import run_service
from services.deals.entrypoints import main

run_service("deals", main)
