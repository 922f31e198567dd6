"""`python -m services.mail serve|consume|relay|worker|beat|migrate`"""

from crmkit.service_cli import run_service
from services.mail.entrypoints import main

run_service("mail", main)
