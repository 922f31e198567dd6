"""`python -m services.contacts serve|consume|relay|migrate`"""

from crmkit.cli import run_service

run_service("contacts")
