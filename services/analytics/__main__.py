"""`python -m services.analytics consume|migrate`"""

from crmkit.cli import run_service

run_service("analytics")
