"""`python -m services.analytics serve|consume|relay|worker|beat|migrate`"""

from crmkit.cli import run_service

run_service("analytics")
