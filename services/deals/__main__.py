"""`python -m services.deals serve|consume|relay|migrate|worker|beat`"""

from crmkit.cli import run_service

run_service("deals")
