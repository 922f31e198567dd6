"""`python -m services.analytics serve|consume|relay|worker|beat|migrate`"""

from crmkit.service_cli import run_service
from services.analytics.entrypoints import main

run_service("analytics", main)
