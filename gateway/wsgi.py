"""The WSGI entry point for gunicorn: `gunicorn gateway.wsgi:app`."""

from crmkit.logging import configure_logging
from crmkit.settings import Settings
from gateway.app import create_app

settings = Settings.from_env()
configure_logging("gateway", settings.log_level)
app = create_app(settings)
