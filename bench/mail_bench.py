"""Mail: 10,000 messages imported over IMAP and 10,000 personalised messages sent over SMTP.

A dovecot user gets 10,000 varied messages (median 3 KB, Vietnamese subjects, a third from
people in the address book, a fifth from unknown people at known companies' domains, a quarter
replies with References) and the address book 10,000 contacts of 500 counterparties. Then, in each run
(a fresh PostgreSQL database each) and in the same run:

- IMAP, baseline: a raw imaplib loop (login, SELECT INBOX, one UID SEARCH, then UID FETCH
  BODY.PEEK[] of 200 UIDs at a time, the batch our adapter uses), parsing nothing;
  ours: `sync_mailbox` importing everything (parse, dedupe, link, store, outbox event, position).
- SMTP, baseline: a raw smtplib loop on one connection, one `send_message` per recipient of an
  EmailMessage personalised by str.format; ours: `run_mailing` of the same text as a Jinja
  template to the same 10,000 contacts (an address group by role), not throttled.

The SMTP server (aiosmtpd) runs in a process of its own, so it does not share the bench's GIL.
The order of baseline and ours alternates between runs.

    .venv/bin/python -m bench.mail_bench [--messages 10000] [--runs 2] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import imaplib
import multiprocessing
import os
import platform
import pstats
import random
import smtplib
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from crmkit.db import migrate
from crmkit.identity import SYSTEM
from services.mail import bootstrap
from services.mail.adapters import orm
from services.mail.adapters.mailservers import ImapMailbox, ServerAccount
from services.mail.adapters.mass_smtp import _wire
from services.mail.adapters.messages import parse
from services.mail.domain import commands
from services.mail.domain.model import Recipient
from services.mail.service_layer import correspondence, mailboxes, mailings
from tests.mail_servers import ImapServer, ImapUser, aiosmtpd_server, dovecot_server
from tests.support import postgres_databases

SECRET = "bench-mail-secret"
OWN = "kinhdoanh@hoa-crm.vn"
UNSUBSCRIBE = "http://crm.example.vn/api/v1/unsubscribe"
COMPANIES = 500
BATCH = correspondence.BATCH
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
GIVEN = ["Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thu Hà", "Đức Huy", "Ngọc Lan", "Tuấn"]
TOPICS = [
    "Báo giá lô hàng tháng {m}",
    "Xác nhận đơn hàng số {n}",
    "Hợp đồng cung cấp thiết bị năm {y}",
    "Đề nghị thanh toán hóa đơn {n}",
    "Lịch giao hàng tuần tới",
    "Khiếu nại chất lượng sản phẩm lô {n}",
    "Mời họp bàn kế hoạch quý {q}",
]
SENTENCES = [
    "Kính gửi quý công ty, chúng tôi xin gửi lại thông tin như đã trao đổi qua điện thoại.",
    "Đơn giá trên đã bao gồm thuế giá trị gia tăng và chi phí vận chuyển đến kho của quý khách.",
    "Thời gian giao hàng dự kiến là mười bốn ngày làm việc kể từ khi nhận được tiền đặt cọc.",
    "Nhờ anh chị kiểm tra lại số lượng và xác nhận giúp chúng tôi trước thứ Sáu tuần này.",
    "Trường hợp có thay đổi về quy cách đóng gói, xin vui lòng báo trước ít nhất ba ngày.",
    "Chúng tôi đã nhận được biên bản nghiệm thu và sẽ xuất hóa đơn trong tuần.",
    "Please find attached the revised quotation; prices are valid until the end of the month.",
    "Trân trọng cảm ơn sự hợp tác của quý khách trong thời gian qua.",
]
SUBJECT = "Ưu đãi tháng 12 dành cho {{ counterparty.name }}"
BODY = (
    "Kính gửi {{ contact.full_name }} ({{ contact.position }}),\n\n"
    "Nhân dịp cuối năm, Hoa CRM xin gửi tới {{ counterparty.name }} chương trình ưu đãi: giảm "
    "12% cho mọi đơn hàng đặt trước ngày 31/12, miễn phí vận chuyển nội thành Hà Nội và Thành "
    "phố Hồ Chí Minh, bảo hành mở rộng 24 tháng cho thiết bị công nghiệp.\n\n"
    "Chi tiết chương trình và bảng giá mới nhất xin xem trên trang của chúng tôi hoặc liên hệ "
    "trực tiếp phòng kinh doanh qua số 028 3822 0000.\n\n"
    "Trân trọng,\nPhòng kinh doanh Hoa CRM\n\n"
    "Hủy đăng ký nhận thư: {{ unsubscribe_url }}\n"
)
PLAIN = {
    "{{ contact.full_name }}": "{name}",
    "{{ contact.position }}": "{position}",
    "{{ counterparty.name }}": "{company}",
    "{{ unsubscribe_url }}": "{unsubscribe_url}",
}


def plain(template: str) -> str:
    """The same text as a str.format pattern, for the baseline."""
    for jinja, fmt in PLAIN.items():
        template = template.replace(jinja, fmt)
    return template


# --- the address book and the mailbox --------------------------------------------------------


def person(n: int) -> dict[str, Any]:
    k = n % COMPANIES
    return {
        "owner": f"contact:c{n}",
        "email": f"nguoi{n}@congty{k}.vn",
        "counterparty_id": f"cp{k}",
        "contact_id": f"c{n}",
        "name": f"{FAMILY[n % len(FAMILY)]} {GIVEN[n % len(GIVEN)]} {n}",
        "company": f"Công ty TNHH Thương mại {k}",
        "position": "Giám đốc mua hàng" if n % 3 else "Kế toán trưởng",
        "roles": ",customer,",
    }


def seed_address_book(app: bootstrap.Mail, contacts: int) -> None:
    companies = [
        {
            "owner": f"counterparty:cp{k}",
            "email": f"info@congty{k}.vn",
            "domain": f"congty{k}.vn",
            "counterparty_id": f"cp{k}",
            "name": f"Công ty TNHH Thương mại {k}",
            "roles": ",customer,",
        }
        for k in range(COMPANIES)
    ]
    with app.sessions.begin() as session:
        session.execute(insert(orm.addresses), companies)
        session.execute(insert(orm.addresses), [person(n) for n in range(contacts)])


def a_mailbox(app: bootstrap.Mail, imap: ImapServer, user: ImapUser, smtp: SmtpChild) -> str:
    reading = commands.ServerSettings(imap.host, imap.port, "none", user.name, user.password)
    sending = commands.ServerSettings(smtp.host, smtp.port, "none")
    box = commands.CreateMailbox("Phòng kinh doanh", "shared", OWN, None, reading, sending)
    created, _ = mailboxes.create_mailbox(box, app.uow(), app.vault, SYSTEM)
    return created.id


# --- the messages in the IMAP mailbox --------------------------------------------------------


@dataclass
class Written:
    message_id: str
    subject: str
    references: list[str]


def sender(rng: random.Random, n: int, contacts: int) -> tuple[str, str]:
    name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
    roll = rng.random()
    if roll < 0.35:  # a contact in the address book: linked to them and their counterparty
        return name, str(person(rng.randrange(contacts))["email"])
    if roll < 0.55:  # someone new at a known company: linked to the counterparty by domain
        return name, f"nhanvien{n}@congty{rng.randrange(COMPANIES)}.vn"
    domain = rng.choice(["gmail.com", "yahoo.com.vn", "outlook.com", "vnpt.vn", "fpt.com.vn"])
    return name, f"khach{n}@{domain}"


def message(rng: random.Random, n: int, contacts: int, earlier: list[Written]) -> bytes:
    name, address = sender(rng, n, contacts)
    parent = rng.choice(earlier) if earlier and rng.random() < 0.25 else None
    topic = rng.choice(TOPICS).format(m=rng.randint(1, 12), n=rng.randint(1000, 99999), y=2026, q=4)
    subject = f"Re: {parent.subject}" if parent else topic
    own_id = f"{uuid.uuid4().hex}@{address.rpartition('@')[2]}"
    references = [*parent.references, parent.message_id][-10:] if parent else []
    earlier.append(Written(own_id, parent.subject if parent else topic, references))
    msg = EmailMessage()
    msg["Received"] = f"from mx.{address.rpartition('@')[2]} by mail.hoa-crm.vn; id {n}"
    msg["From"] = f"{name} <{address}>"
    msg["To"] = OWN if rng.random() < 0.8 else f"{OWN}, ketoan@hoa-crm.vn"
    if rng.random() < 0.2:
        msg["Cc"] = str(person(rng.randrange(contacts))["email"])
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC) - timedelta(minutes=rng.randint(0, 500_000)))
    msg["Message-ID"] = f"<{own_id}>"
    if parent:
        msg["In-Reply-To"] = f"<{parent.message_id}>"
        msg["References"] = " ".join(f"<{r}>" for r in references)
    text = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(11, 19)))
    msg.set_content(text, cte=rng.choice(["8bit", "quoted-printable", "base64"]))
    if rng.random() < 0.3:
        msg.add_alternative(f"<html><body><p>{text}</p></body></html>", subtype="html")
    if rng.random() < 0.05:
        msg.add_attachment(rng.randbytes(900), "application", "pdf", filename=f"bao-gia-{n}.pdf")
    return msg.as_bytes()


def fill_inbox(imap: ImapServer, user: ImapUser, count: int, contacts: int) -> list[int]:
    """Appends `count` messages over one connection; returns their sizes."""
    rng, earlier, sizes = random.Random(7), list[Written](), list[int]()
    with imap.connect(user.name, user.password) as client:
        for n in range(count):
            raw = message(rng, n, contacts, earlier)
            status, _ = client.append("INBOX", None, None, raw)
            assert status == "OK", status
            sizes.append(len(raw))
    return sizes


def raw_imap_fetch(imap: ImapServer, user: ImapUser) -> list[bytes]:
    """The baseline: every message's bytes, 200 UIDs per UID FETCH, nothing parsed."""
    fetched = []
    client = imaplib.IMAP4(imap.host, imap.port, timeout=30)
    client.login(user.name, user.password)
    client.select("INBOX", readonly=True)
    _, found = client.uid("SEARCH", "ALL")
    uids = found[0].split()
    for start in range(0, len(uids), BATCH):
        _, data = client.uid(
            "FETCH", b",".join(uids[start : start + BATCH]).decode(), "(BODY.PEEK[])"
        )
        fetched += [item[1] for item in data if isinstance(item, tuple)]
    client.logout()
    return fetched


def imap_parts(imap: ImapServer, user: ImapUser, raws: list[bytes]) -> str:
    """Ours in parts: our IMAP adapter fetching everything, then `parse` of every message."""
    started = time.perf_counter()
    fetched, last, validity = 0, 0, None
    account = ServerAccount(imap.host, imap.port, "none", user.name, user.password)
    with ImapMailbox(account) as server:
        while True:
            validity, batch = server.fetch_new("INBOX", validity, last, BATCH)
            fetched += len(batch)
            last = max([item.uid for item in batch], default=0)
            if len(batch) < BATCH:
                break
    adapter = time.perf_counter() - started
    started = time.perf_counter()
    for raw in raws:
        parse(raw)
    parsing = time.perf_counter() - started
    assert fetched == len(raws), fetched
    return f"adapter fetch alone {fetched / adapter:,.0f}/s, parse() alone {len(raws) / parsing:,.0f}/s"


# --- the SMTP server, in a process of its own -------------------------------------------------


def _serve_smtp(conn: Connection) -> None:
    with aiosmtpd_server() as server:
        conn.send((server.host, server.port))
        while (command := conn.recv()) != "stop":
            if command == "clear":
                server.clear()
                conn.send(None)
            else:
                conn.send([r for message in server.messages for r in message.recipients])


@dataclass
class SmtpChild:
    host: str
    port: int
    conn: Connection

    def recipients(self) -> list[str]:
        self.conn.send("recipients")
        found: list[str] = self.conn.recv()
        return found

    def clear(self) -> None:
        self.conn.send("clear")
        self.conn.recv()


@contextmanager
def smtp_in_child() -> Iterator[SmtpChild]:
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(target=_serve_smtp, args=(theirs,))
    child.start()
    try:
        host, port = ours.recv()
        yield SmtpChild(host, port, ours)
    finally:
        ours.send("stop")
        child.join(timeout=10)


def raw_message(p: Any, subject: str, body: str) -> EmailMessage:
    link = f"{UNSUBSCRIBE}/{p.email}"
    msg = EmailMessage()
    msg["From"] = f"Phòng kinh doanh <{OWN}>"
    msg["To"] = p.email
    msg["Subject"] = subject.format(company=p.company)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="hoa-crm.vn")
    msg["List-Unsubscribe"] = f"<{link}>"
    fields = {"name": p.name, "position": p.position or "", "company": p.company}
    msg.set_content(body.format(**fields, unsubscribe_url=link))
    return msg


def raw_smtp_send(smtp: SmtpChild, people: list[Any]) -> int:
    """The baseline: one connection, one str.format-personalised EmailMessage per person."""
    subject, body = plain(SUBJECT), plain(BODY)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
        for p in people:
            client.send_message(raw_message(p, subject, body))
    return len(people)


@dataclass
class Mailing:
    id: str
    template: Any
    people: list[Any]  # the address rows it goes to


def a_mailing(app: bootstrap.Mail, box_id: str, label: str) -> Mailing:
    """A mailing of the template to every customer."""
    made = commands.CreateTemplate(f"Ưu đãi {label}", SUBJECT, BODY)
    template = mailings.create_template(made, app.uow(), app.templates, SYSTEM)
    customers = commands.CreateAddressGroup(f"Khách hàng {label}", None, {"role": "customer"})
    group = mailings.create_address_group(customers, app.uow(), SYSTEM)
    start = commands.StartMailing(group.id, template.id, box_id, per_minute=60_000)
    mailing = mailings.start_mailing(start, app.uow(), SYSTEM)
    return Mailing(mailing, template, mailings.group_members(app.uow(), group.id))


def smtp_parts(app: bootstrap.Mail, box_id: str, mailing: Mailing) -> str:
    """The messages alone, built and put in wire format: ours (template, signed link, compose)
    and the baseline's (str.format, EmailMessage, as_bytes); nothing sent, nothing stored."""
    box, _ = mailboxes.get_mailbox(app.uow(), box_id, SYSTEM)
    run = commands.RunMailing(mailing.id, UNSUBSCRIBE)
    started = time.perf_counter()
    for p in mailing.people:
        token = app.vault.sign(f"{mailing.id}:{p.email}")
        to = Recipient(p.email, p.name, p.company, p.position)
        _wire(mailings._personal(app.templates, box, mailing.template, to, token, run))
    ours = time.perf_counter() - started
    subject, body = plain(SUBJECT), plain(BODY)
    started = time.perf_counter()
    for p in mailing.people:
        raw_message(p, subject, body).as_bytes()
    raw = time.perf_counter() - started
    n = len(mailing.people)
    return f"building messages alone: ours {n / ours:,.0f}/s, raw {n / raw:,.0f}/s"


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Timing:
    what: str
    count: int
    seconds: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds


def timed(what: str, call: Callable[[], int]) -> Timing:
    started, cpu = time.perf_counter(), time.process_time()
    count = call()
    return Timing(what, count, time.perf_counter() - started, time.process_time() - cpu)


def stored(app: bootstrap.Mail, box_id: str) -> tuple[int, int]:
    msg = orm.messages.c
    with app.sessions() as session:
        count = session.scalar(select(func.count()).where(msg.mailbox_id == box_id))
        ln = orm.message_links.c
        linked = session.scalar(
            select(func.count(func.distinct(ln.message_id)))
            .join(orm.messages, msg.id == ln.message_id)
            .where(msg.mailbox_id == box_id)
        )
        error = session.scalar(
            select(orm.mailboxes.c.last_error).where(orm.mailboxes.c.id == box_id)
        )
    assert error is None, error
    return int(count or 0), int(linked or 0)


Pair = tuple[Timing, Timing]  # (raw, ours)


def in_turn(steps: list[tuple[str, Callable[[], int]]], flip: bool) -> list[Timing]:
    """Times each step, the second first when `flip`; returns them in the given order."""
    found = {what: timed(what, call) for what, call in (steps[::-1] if flip else steps)}
    return [found[what] for what, _ in steps]


def imap_run(
    app: bootstrap.Mail, box_id: str, imap: ImapServer, user: ImapUser, flip: bool
) -> Pair:
    raws: list[bytes] = []

    def raw() -> int:
        raws[:] = raw_imap_fetch(imap, user)
        return len(raws)

    def sync() -> int:
        return app.sync_mailbox(box_id)

    raw_time, ours = in_turn([("IMAP raw imaplib", raw), ("IMAP sync_mailbox", sync)], flip)
    count, linked = stored(app, box_id)
    again = timed("second sync", sync)
    assert raw_time.count == ours.count == count and again.count == 0, (raw_time, ours, again)
    print(
        f"  IMAP: {count:,} stored, {linked:,} linked to a counterparty; a second sync "
        f"imported {again.count} in {again.seconds:.2f} s; {imap_parts(imap, user, raws)}"
    )
    return raw_time, ours


def smtp_run(app: bootstrap.Mail, box_id: str, smtp: SmtpChild, flip: bool) -> Pair:
    mailing = a_mailing(app, box_id, "bench")
    expected = sorted(p.email for p in mailing.people)

    def checked(call: Callable[[], int]) -> Callable[[], int]:
        def run() -> int:
            smtp.clear()
            sent = call()
            assert sorted(smtp.recipients()) == expected, "the server got other recipients"
            return sent

        return run

    def ours() -> int:
        return app.run_mailing(mailing.id, UNSUBSCRIBE).sent

    raw, mine = in_turn(
        [
            ("SMTP raw smtplib", checked(lambda: raw_smtp_send(smtp, mailing.people))),
            ("SMTP run_mailing", checked(ours)),
        ],
        flip,
    )
    done = mailings.progress(app.uow(), mailing.id)
    assert (done.total, done.sent, done.mailing.status) == (len(expected), len(expected), "done")
    print(
        f"  SMTP: the server counted {len(expected):,} each time; {done.sent:,} recipients "
        f"sent; {smtp_parts(app, box_id, mailing)}"
    )
    return raw, mine


def one_run(
    url: str, imap: ImapServer, user: ImapUser, smtp: SmtpChild, n: int, flip: bool, profile: bool
) -> list[Pair]:
    migrate(url, bootstrap.MIGRATIONS)
    app = bootstrap.bootstrap(url, SECRET)
    seed_address_book(app, n)
    box_id = a_mailbox(app, imap, user, smtp)
    try:
        found = [imap_run(app, box_id, imap, user, flip), smtp_run(app, box_id, smtp, flip)]
        if profile:
            again = a_mailbox(app, imap, user, smtp)
            profiled(lambda: app.sync_mailbox(again))
            mailing = a_mailing(app, again, "profiled")
            smtp.clear()
            profiled(lambda: app.run_mailing(mailing.id, UNSUBSCRIBE))
        return found
    finally:
        app.engine.dispose()


def profiled(call: Callable[[], Any], rows: int = 16) -> None:
    profile = cProfile.Profile()
    profile.runcall(call)
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(rows)
    stats.sort_stats("cumulative").print_stats(rows + 14)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="then profile ours, once each")
    args = parser.parse_args()
    n = args.messages
    runs: list[list[Pair]] = []
    with (
        smtp_in_child() as smtp,
        tempfile.TemporaryDirectory(prefix="mail-bench-") as tmp,
        dovecot_server(Path(tmp)) as imap,
    ):
        user = imap.new_user("bench")
        started = time.perf_counter()
        sizes = sorted(fill_inbox(imap, user, n, n))
        print(
            f"appended {n:,} messages (median {sizes[n // 2]:,} bytes, 5-95 % "
            f"{sizes[n // 20]:,}-{sizes[-n // 20]:,}) in {time.perf_counter() - started:.0f} s"
        )
        raw_imap_fetch(imap, user)  # warms dovecot's caches for whichever goes first
        for run in range(args.runs):
            with postgres_databases("mail") as urls:
                last = run == args.runs - 1
                runs.append(
                    one_run(urls["mail"], imap, user, smtp, n, run % 2 == 1, args.profile and last)
                )
    report(runs, n)


def report(runs: list[list[Pair]], n: int) -> None:
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d} {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {n:,} messages each way"
    )
    print("| run | what | messages/s | seconds | bench CPU s | ours / raw |")
    print("|---|---|---|---|---|---|")
    for number, pairs in enumerate(runs, 1):
        for raw, ours in pairs:
            for t, ratio in ((raw, ""), (ours, f"**{ours.rate / raw.rate:.3f}**")):
                row = f"{t.rate:,.0f} | {t.seconds:.1f} | {t.cpu:.1f} | {ratio}"
                print(f"| {number} | {t.what} | {row} |")


if __name__ == "__main__":
    main()
