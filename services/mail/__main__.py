"""`python -m services.mail serve|consume|relay|worker|beat|migrate`"""

from crmkit.cli import run_service

run_service("mail")
