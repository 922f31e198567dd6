from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from services.mail.adapters.messages import ParsedMessage, compose, parse, thread_key

VIETNAMESE_MAIL = (
    b"From: =?utf-8?b?Tmd1eeG7hW4gVsSDbiBBbg==?= <An.Nguyen@HoaPhat.vn>\r\n"
    b"To: =?utf-8?q?Tr=E1=BA=A7n_Th=E1=BB=8B_B=C3=ACnh?= <binh@example.vn>, kho@example.vn\r\n"
    b'Cc: "L\xc3\xaa, Minh" <Minh.Le@example.vn>\r\n'
    b"Subject: =?utf-8?b?QsOhbyBnacOhIHRow6lwIHRow6FuZyA=?=\r\n"
    b" =?utf-8?b?MTA=?=\r\n"
    b"Date: Tue, 04 Jun 2024 09:30:00 +0700\r\n"
    b"Message-ID: <bao-gia-10@hoaphat.vn>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Ch\xc3\xa0o anh B\xc3\xacnh,\r\n"
)


def test_vietnamese_subject_and_names_decode() -> None:
    parsed = parse(VIETNAMESE_MAIL)

    assert parsed.subject == "Báo giá thép tháng 10"
    assert parsed.from_name == "Nguyễn Văn An"
    assert parsed.from_address == "an.nguyen@hoaphat.vn"
    assert parsed.to == ["binh@example.vn", "kho@example.vn"]
    assert parsed.cc == ["minh.le@example.vn"]
    assert parsed.text.startswith("Chào anh Bình,")
    assert parsed.sent_at == datetime(2024, 6, 4, 9, 30, tzinfo=timezone(timedelta(hours=7)))


def test_a_message_without_message_id_gets_a_stable_id() -> None:
    raw = b"From: a@example.vn\r\nSubject: no id\r\n\r\nbody\r\n"

    first, again = parse(raw), parse(raw)
    other = parse(raw.replace(b"body", b"another body"))

    assert first.message_id == again.message_id
    assert first.message_id.startswith("sha256-")
    assert first.message_id.endswith("@hoa-crm.invalid")
    assert other.message_id != first.message_id


def test_references_and_in_reply_to_are_parsed_without_brackets() -> None:
    raw = (
        b"From: b@example.vn\r\n"
        b"Message-ID: <reply-2@example.vn>\r\n"
        b"In-Reply-To: <reply-1@example.vn>\r\n"
        b"References: <root@hoaphat.vn>\r\n <reply-1@example.vn>\r\n"
        b"\r\nok\r\n"
    )

    parsed = parse(raw)

    assert parsed.message_id == "reply-2@example.vn"
    assert parsed.in_reply_to == "reply-1@example.vn"
    assert parsed.references == ["root@hoaphat.vn", "reply-1@example.vn"]


def test_html_only_mail_gives_its_text() -> None:
    raw = (
        b"From: shop@example.vn\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p {color: red}</style></head><body>"
        b"<p>\xc4\x90\xc6\xa1n h\xc3\xa0ng &amp; h\xc3\xb3a \xc4\x91\xc6\xa1n</p>"
        b"<p>S\xe1\xbb\x91 <b>42</b></p><script>alert(1)</script></body></html>\r\n"
    )

    parsed = parse(raw)

    assert parsed.html is not None and "<b>42</b>" in parsed.html
    assert parsed.text.splitlines() == ["Đơn hàng & hóa đơn", "", "Số 42"]


def test_attachments_are_found_with_their_vietnamese_filenames() -> None:
    raw = (
        b"From: ketoan@example.vn\r\n"
        b"Subject: invoice\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"
        b"--b1\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*=utf-8''H%C3%B3a%20%C4%91%C6%A1n%20th%C3%A1ng%2010.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        b'--b1\r\nContent-Type: text/csv; name="=?utf-8?b?YuG6o25nIGvDqi5jc3Y=?="\r\n'
        b"Content-Disposition: attachment\r\n\r\na,b\r\n"
        b"--b1--\r\n"
    )

    parsed = parse(raw)

    assert parsed.text.strip() == "see attached"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("Hóa đơn tháng 10.pdf", "application/pdf"),
        ("bảng kê.csv", "text/csv"),
    ]
    assert parsed.attachments[0].content == b"%PDF-1.4\n"


def test_odd_mail_is_read_best_effort_without_raising() -> None:
    raw = (
        b"From: =?x-unknown?q?Bad?= <<odd@@example.vn>\r\n"
        b"To: undisclosed-recipients:;\r\n"
        b"Subject: =?utf-8?b?not base64!?= \xff\xfe raw bytes\r\n"
        b"Date: yesterday-ish\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"caf\xc3\xa9 \xff\r\n"
    )

    parsed = parse(raw)

    assert parsed.to == []
    assert parsed.sent_at is None
    assert "raw bytes" in parsed.subject
    assert parsed.text.startswith("café")


def test_a_composed_message_parses_back_to_what_was_written() -> None:
    message = compose(
        from_address="sales@hoa-crm.vn",
        from_name="Phòng Kinh doanh, Hoa",
        to=["an.nguyen@hoaphat.vn"],
        cc=["binh@example.vn", "kho@example.vn"],
        subject="Re: Báo giá thép tháng 10 — đã cập nhật",
        text="Kính gửi anh An,\nGiá mới trong tệp đính kèm.",
        html="<p>Kính gửi anh An,</p><p>Giá mới trong tệp đính kèm.</p>",
        in_reply_to="bao-gia-10@hoaphat.vn",
        references=["root@hoaphat.vn", "bao-gia-10@hoaphat.vn"],
        domain="hoa-crm.vn",
    )

    parsed = parse(message.as_bytes())

    assert message.get_content_type() == "multipart/alternative"
    assert parsed.message_id == str(message["Message-ID"]).strip("<>")
    assert parsed.message_id.endswith("@hoa-crm.vn")
    assert parsed.from_name == "Phòng Kinh doanh, Hoa"
    assert parsed.from_address == "sales@hoa-crm.vn"
    assert parsed.to == ["an.nguyen@hoaphat.vn"]
    assert parsed.cc == ["binh@example.vn", "kho@example.vn"]
    assert parsed.subject == "Re: Báo giá thép tháng 10 — đã cập nhật"
    assert parsed.text.rstrip("\n") == "Kính gửi anh An,\nGiá mới trong tệp đính kèm."
    assert parsed.html is not None and "<p>Kính gửi anh An,</p>" in parsed.html
    assert parsed.in_reply_to == "bao-gia-10@hoaphat.vn"
    assert parsed.references == ["root@hoaphat.vn", "bao-gia-10@hoaphat.vn"]
    assert parsed.attachments == []
    assert parsed.sent_at is not None
    assert abs(parsed.sent_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_composed_headers_are_ascii_on_the_wire() -> None:
    message = plain_message(subject="Chúc mừng sinh nhật")

    head = message.as_bytes().split(b"\n\n", 1)[0]

    assert head.isascii()
    assert b"=?utf-8?" in head


def test_a_recipient_that_is_not_an_address_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"'an\.example\.vn' is not an e-mail address"):
        compose(
            from_address="sales@hoa-crm.vn",
            from_name="Hoa",
            to=["an.example.vn"],
            cc=[],
            subject="x",
            text="x",
            html=None,
            in_reply_to=None,
            references=[],
            domain="hoa-crm.vn",
        )


def test_a_reply_shares_its_roots_thread_key() -> None:
    root = parse(plain_message(subject="Báo giá").as_bytes())
    first_reply = parse(reply_to(root).as_bytes())
    second_reply = parse(reply_to(first_reply).as_bytes())
    reply_without_references = parse(
        b"Message-ID: <x@y.vn>\r\nIn-Reply-To: <" + root.message_id.encode() + b">\r\n\r\n"
    )

    assert thread_key(root) == root.message_id
    assert thread_key(first_reply) == thread_key(root)
    assert thread_key(second_reply) == thread_key(root)
    assert thread_key(reply_without_references) == thread_key(root)


def plain_message(subject: str) -> EmailMessage:
    return compose(
        from_address="sales@hoa-crm.vn",
        from_name="Hoa",
        to=["an@example.vn"],
        cc=[],
        subject=subject,
        text="xin chào",
        html=None,
        in_reply_to=None,
        references=[],
        domain="hoa-crm.vn",
    )


def reply_to(parsed: ParsedMessage) -> EmailMessage:
    return compose(
        from_address="an@example.vn",
        from_name="An",
        to=["sales@hoa-crm.vn"],
        cc=[],
        subject="Re: Báo giá",
        text="ok",
        html=None,
        in_reply_to=parsed.message_id,
        references=[*parsed.references, parsed.message_id],
        domain="example.vn",
    )
