# ruff: noqa: F811 - the fixtures imported below are parameters of the tests
"""A template may not exhaust the worker that fills it in: refused when saved, and a mailing whose
template fails for a recipient stops as failed with the reason, instead of staying 'sending'."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from crmkit.errors import InvalidInput
from crmkit.identity import SYSTEM
from services.mail import bootstrap
from services.mail.adapters import orm, templates
from services.mail.domain.commands import CreateTemplate
from services.mail.service_layer import mailings
from tests.mail.test_mass_mailing import a_mailing, mail_app  # noqa: F401 - fixture
from tests.mail_servers import SmtpServer, smtp_server  # noqa: F401 - fixture

pytestmark = pytest.mark.integration  # a real SMTP server


@pytest.mark.parametrize(
    "body",
    [
        "{{ 'x' * 10**9 }}",
        "{{ 'x' * 2000000 }}",
        "{{ 2 ** 100000 }}",
        "{% for i in range(1000000) %}.{% endfor %}",
    ],
)
def test_a_template_that_would_build_something_huge_is_refused_naming_the_field(
    mail_app: bootstrap.Mail, body: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        mailings.create_template(
            CreateTemplate("Lớn", "Chào", body), mail_app.uow(), mail_app.templates, SYSTEM
        )
    assert refused.value.errors[0].field == "body"


def test_an_ordinary_template_with_a_little_arithmetic_is_kept(mail_app: bootstrap.Mail) -> None:
    body = "{{ '-' * 20 }}\n{% for i in range(3) %}{{ i * 2 }} {% endfor %}"
    command = CreateTemplate("Nhỏ", "Chào", body)
    kept = mailings.create_template(command, mail_app.uow(), mail_app.templates, SYSTEM)
    assert mail_app.templates.render(kept.body, {}) == "-" * 20 + "\n0 2 4 "


def test_a_mailing_whose_template_fails_for_a_recipient_stops_as_failed_with_the_reason(
    mail_app: bootstrap.Mail, smtp_server: SmtpServer
) -> None:
    mailing_id = a_mailing(mail_app, smtp_server)
    with mail_app.sessions.begin() as session:  # a template saved before the limits existed
        session.execute(update(orm.templates).values(body="{{ 'x' * 10**9 }}"))
    templates.compiled.cache_clear()
    done = mail_app.run_mailing(mailing_id, "http://x/u")
    assert (done.mailing.status, done.sent) == ("failed", 0)
    assert "cannot be filled in" in done.mailing.reason
    assert smtp_server.count() == 0
