"""`python -m services.contacts serve|consume|relay|migrate`"""

from crmkit.service_cli import run_service
from services.contacts.entrypoints import main

run_service("contacts", main)
