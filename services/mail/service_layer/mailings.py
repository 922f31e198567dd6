"""Templates, address groups and mass mailings: personalised, throttled, one state per
recipient, a suppression list and an unsubscribe link; resumed after a crash without sending
anyone twice."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateError, TemplateSyntaxError, Undefined
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page, paginate_rows
from services.mail.adapters import orm
from services.mail.adapters.mailservers import ServerAccount
from services.mail.adapters.mass_smtp import SmtpSession
from services.mail.adapters.messages import compose
from services.mail.adapters.secrets import Vault
from services.mail.service_layer.mailboxes import AREA, account, mailbox_for, now

t, g, ml, r, s, a = (
    orm.templates.c,
    orm.address_groups.c,
    orm.mailings.c,
    orm.recipients.c,
    orm.suppressions.c,
    orm.addresses.c,
)
CRITERIA = ("region", "industry", "position", "role", "abc")
MAX_TEMPLATE_TEXT = 1_000_000  # characters a template may build with * or **
MAX_TEMPLATE_RANGE = 1_000  # items a template's range() may count


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox keeps a template away from Python; this also keeps it from exhausting the
    worker: no huge strings or numbers built with * or **, no range of a million items."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, undefined: type[Undefined] = Undefined) -> None:
        super().__init__(autoescape=False, undefined=undefined)
        self.globals["range"] = self._range

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _number(right) and abs(right) > 64:
            raise SecurityError("exponents above 64 are not allowed in a template")
        if (operator == "*" and _too_long(left, right)) or _too_long(right, left):
            raise SecurityError(f"a template may not build more than {MAX_TEMPLATE_TEXT} items")
        return super().call_binop(context, operator, left, right)

    @staticmethod
    def _range(*bounds: int) -> range:
        counted = range(*bounds)
        if len(counted) > MAX_TEMPLATE_RANGE:
            raise SecurityError(f"a template's range may count {MAX_TEMPLATE_RANGE} items at most")
        return counted


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _too_long(sequence: Any, times: Any) -> bool:
    return (
        isinstance(sequence, str | list | tuple)
        and _number(times)
        and (len(sequence) * times > MAX_TEMPLATE_TEXT)
    )


JINJA = BoundedSandbox()
# A template is tried when saved, on a sample in which any name may be missing (rules fill in
# event.*, mailings contact.*): only what it builds is judged then, not the values it meets.
TRIAL = BoundedSandbox(undefined=ChainableUndefined)
RENDER_ERRORS = (TemplateError, TypeError, ValueError, ArithmeticError)
SAMPLE = {
    "contact": {"full_name": "Nguyễn Văn An", "position": "Giám đốc"},
    "counterparty": {"name": "Công ty TNHH Mẫu"},
    "unsubscribe_url": "https://example.invalid/unsubscribe/token",
}


@lru_cache(maxsize=128)
def compiled(text: str) -> Template:
    """A template's text compiled once, not once per recipient."""
    return JINJA.from_string(text)


# -- templates -----------------------------------------------------------------------------
def create_template(
    sessions: sessionmaker[Session], name: str, subject: str, body: str, actor: Identity
) -> Any:
    actor.require_writer(AREA)
    for field, text in (("subject", subject), ("body", body)):
        try:
            trial = TRIAL.from_string(text)
        except TemplateSyntaxError as error:
            raise InvalidInput.field(field, f"is not a valid template: {error.message}") from None
        _try(trial, field)
    row = {"id": str(uuid.uuid4()), "name": name.strip(), "subject": subject, "body": body}
    return _insert_named(sessions, orm.templates, row | {"created_at": now()}, "template")


def _try(template: Template, field: str) -> None:
    try:
        template.render(SAMPLE)
    except SecurityError as error:
        raise InvalidInput.field(field, f"cannot be filled in: {error}") from None
    except RENDER_ERRORS:
        pass  # depends on values known only when it is sent; a failure then stops that mailing


def _insert_named(
    sessions: sessionmaker[Session], table: Any, row: dict[str, Any], what: str
) -> Any:
    try:
        with sessions.begin() as session:
            session.execute(table.insert().values(**row))
    except IntegrityError:
        with sessions() as session:
            clash = session.scalar(select(table.c.id).where(table.c.name == row["name"]))
        raise Conflict(f"a {what} named {row['name']!r} exists", existing_id=clash) from None
    with sessions() as session:
        return session.execute(select(table).where(table.c.id == row["id"])).one()


def list_rows(sessions: sessionmaker[Session], table: Any, page: Page) -> tuple[list[Any], int]:
    with sessions() as session:
        return paginate_rows(session, select(table).order_by(table.c.name), page)


# -- address groups ------------------------------------------------------------------------
def create_address_group(
    sessions: sessionmaker[Session],
    name: str,
    members: list[str] | None,
    criteria: dict[str, str] | None,
    actor: Identity,
) -> Any:
    """By hand (contact ids) or by criteria, evaluated whenever a mailing to it starts."""
    actor.require_writer(AREA)
    if (members is None) == (criteria is None):
        raise InvalidInput.field("members", "give either members or criteria")
    unknown = set(criteria or {}) - set(CRITERIA)
    if unknown:
        raise InvalidInput.field("criteria", f"unknown: {', '.join(sorted(unknown))}")
    row = {"id": str(uuid.uuid4()), "name": name.strip(), "members": members, "criteria": criteria}
    return _insert_named(sessions, orm.address_groups, row | {"created_at": now()}, "address group")


def group_of(session: Session, group_id: str) -> Any:
    row = session.execute(select(orm.address_groups).where(g.id == group_id)).first()
    if row is None:
        raise NotFound.of("address group", group_id)
    return row


def members(session: Session, group: Any) -> list[Any]:
    """The people (with an e-mail) the group holds now, one per address."""
    query = select(orm.addresses).where(a.email.is_not(None), a.contact_id.is_not(None))
    if group.members is not None:
        query = query.where(a.contact_id.in_(group.members or [""]))
    for name, value in (group.criteria or {}).items():
        column = {"role": a.roles, "region": a.region, "industry": a.industry}.get(name)
        if name == "role":
            query = query.where(a.roles.like(f"%,{value},%"))
        elif name == "position":
            query = query.where(func.lower(a.position).contains(str(value).lower()))
        elif name == "abc":
            query = query.where(a.abc == value)
        elif column is not None:
            query = query.where(column == value)
    found: dict[str, Any] = {}
    for row in session.execute(query.order_by(a.email, a.owner)):
        found.setdefault(row.email, row)
    return list(found.values())


# -- mailings ------------------------------------------------------------------------------
def start_mailing(sessions: sessionmaker[Session], fields: dict[str, Any], actor: Identity) -> Any:
    actor.require_writer(AREA)
    per_minute = int(fields.get("per_minute") or 600)
    if not 1 <= per_minute <= 60_000:
        raise InvalidInput.field("per_minute", "must be between 1 and 60000")
    with sessions() as session:
        mailbox_for(session, fields["mailbox_id"], actor, "send")
        group_of(session, fields["address_group_id"])
        if session.scalar(select(t.id).where(t.id == fields["template_id"])) is None:
            raise InvalidInput.field("template_id", "no such template")
    row = {
        "id": str(uuid.uuid4()),
        "address_group_id": fields["address_group_id"],
        "template_id": fields["template_id"],
        "mailbox_id": fields["mailbox_id"],
        "status": "queued",
        "per_minute": per_minute,
        "created_by": actor.user_id,
        "created_at": now(),
    }
    with sessions.begin() as session:
        session.execute(orm.mailings.insert().values(**row))
    return row["id"]


@dataclass(frozen=True)
class Progress:
    mailing: Any
    total: int
    sent: int
    failed: int
    skipped: int


def progress(sessions: sessionmaker[Session], mailing_id: str) -> Progress:
    with sessions() as session:
        mailing = session.execute(select(orm.mailings).where(ml.id == mailing_id)).first()
        if mailing is None:
            raise NotFound.of("mailing", mailing_id)
        return _with_counts(session, [mailing])[0]


def list_mailings(sessions: sessionmaker[Session], page: Page) -> tuple[list[Progress], int]:
    """Newest first, each with how far it got."""
    with sessions() as session:
        query = select(orm.mailings).order_by(ml.created_at.desc(), ml.id)
        rows, total = paginate_rows(session, query, page)
        return _with_counts(session, rows), total


def _with_counts(session: Session, mailings: list[Any]) -> list[Progress]:
    states = (
        select(r.mailing_id, r.state, func.count())
        .where(r.mailing_id.in_([m.id for m in mailings]))
        .group_by(r.mailing_id, r.state)
    )
    counts: dict[str, dict[str, int]] = {m.id: {} for m in mailings}
    for mailing_id, state, count in session.execute(states):
        counts[mailing_id][state] = int(count)
    return [
        Progress(
            m,
            sum(counts[m.id].values()),
            counts[m.id].get("sent", 0),
            counts[m.id].get("failed", 0),
            counts[m.id].get("skipped", 0),
        )
        for m in mailings
    ]


def run_mailing(
    sessions: sessionmaker[Session],
    vault: Vault,
    mailing_id: str,
    unsubscribe_url: str,
    session_factory: Callable[[ServerAccount], SmtpSession] = SmtpSession,
) -> Progress:
    """Sends to every pending recipient; safe to run again after a crash, and alongside another
    run of the same mailing: each recipient is taken by one run, recorded before completion."""
    with sessions.begin() as session:
        mailing = session.execute(select(orm.mailings).where(ml.id == mailing_id)).first()
        if mailing is None:
            raise NotFound.of("mailing", mailing_id)
        if mailing.status in ("done", "failed"):
            return progress(sessions, mailing_id)
        session.execute(update(orm.mailings).where(ml.id == mailing_id).values(status="sending"))
        if session.scalar(select(func.count()).where(r.mailing_id == mailing_id)) == 0:
            _resolve(session, mailing)
        box = session.execute(
            select(orm.mailboxes).where(orm.mailboxes.c.id == mailing.mailbox_id)
        ).one()
        template = session.execute(select(orm.templates).where(t.id == mailing.template_id)).one()
    pause = 60.0 / mailing.per_minute
    with session_factory(account(vault, box, "smtp")) as smtp:
        for person in _pending(sessions, mailing_id):
            started = time.monotonic()
            try:
                token = vault.sign(f"{mailing_id}:{person.email}")
                message = _personal(box, template, person, token, unsubscribe_url)
            except RENDER_ERRORS as error:
                return _failed(sessions, mailing_id, f"the template cannot be filled in: {error}")
            smtp.deliver(message, person.email, partial(_take, sessions, mailing_id, person.email))
            time.sleep(max(0.0, pause - (time.monotonic() - started)))
    with sessions.begin() as session:
        done = {"status": "done", "finished_at": now()}
        session.execute(update(orm.mailings).where(ml.id == mailing_id).values(**done))
    return progress(sessions, mailing_id)


def _failed(sessions: sessionmaker[Session], mailing_id: str, reason: str) -> Progress:
    with sessions.begin() as session:
        failed = {"status": "failed", "reason": reason, "finished_at": now()}
        session.execute(update(orm.mailings).where(ml.id == mailing_id).values(**failed))
    return progress(sessions, mailing_id)


def _resolve(session: Session, mailing: Any) -> None:
    """The recipients, fixed when the mailing starts; suppressed addresses are skipped."""
    suppressed = set(session.scalars(select(s.email)))
    for person in members(session, group_of(session, mailing.address_group_id)):
        state = "skipped" if person.email in suppressed else "pending"
        session.execute(
            orm.recipients.insert().values(
                mailing_id=mailing.id,
                email=person.email,
                contact_id=person.contact_id,
                counterparty_id=person.counterparty_id,
                state=state,
            )
        )


def _pending(sessions: sessionmaker[Session], mailing_id: str) -> list[Any]:
    with sessions() as session:
        query = (
            select(orm.addresses.c.name, orm.addresses.c.company, orm.addresses.c.position, r.email)
            .select_from(orm.recipients)
            .outerjoin(orm.addresses, orm.addresses.c.contact_id == r.contact_id)
            .where(r.mailing_id == mailing_id, r.state == "pending")
            .order_by(r.email)
        )
        return list(session.execute(query))


def _take(sessions: sessionmaker[Session], mailing_id: str, email: str) -> bool:
    """Records the recipient as sent, unless another run took them first."""
    with sessions.begin() as session:
        taken = session.execute(
            update(orm.recipients)
            .where(r.mailing_id == mailing_id, r.email == email, r.state == "pending")
            .values(state="sent", sent_at=now())
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def _personal(box: Any, template: Any, person: Any, token: str, unsubscribe_url: str) -> Any:
    context = {
        "contact": {"full_name": person.name or "", "position": person.position or ""},
        "counterparty": {"name": person.company or ""},
        "unsubscribe_url": f"{unsubscribe_url.rstrip('/')}/{token}",
    }
    body = compiled(template.body).render(context)
    if "unsubscribe_url" not in template.body:
        body += f"\n\n--\nUnsubscribe: {context['unsubscribe_url']}"
    message = compose(
        from_address=box.address,
        from_name=box.name,
        to=[person.email],
        cc=[],
        subject=compiled(template.subject).render(context),
        text=body,
        html=None,
        in_reply_to=None,
        references=[],
        domain=box.address.rpartition("@")[2] or "hoa-crm.invalid",
    )
    message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    return message


def unsubscribe(sessions: sessionmaker[Session], vault: Vault, token: str) -> str:
    """Adds the address of a signed unsubscribe link to the suppression list (for good)."""
    found = vault.verify(token)
    if found is None or ":" not in found:
        raise NotFound("this unsubscribe link is not valid")
    email = found.partition(":")[2]
    with sessions.begin() as session:
        if session.scalar(select(s.email).where(s.email == email)) is None:
            session.execute(
                orm.suppressions.insert().values(
                    email=email, reason="unsubscribed", created_at=now()
                )
            )
    return email
