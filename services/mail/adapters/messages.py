"""Reading raw mail into plain values and composing outgoing mail, with the stdlib `email`.

Parsing never raises: mail from the outside world has broken headers and unknown charsets, and
one bad message must not stop the import of a mailbox, so every field falls back to a best guess.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError, InvalidHeaderDefect
from email.header import decode_header, make_header
from email.headerregistry import Address, AddressHeader
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, make_msgid, parsedate_to_datetime
from html.parser import HTMLParser
from typing import cast

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# A header is one line: breaks typed into a subject or a mailbox name, or brought in by a
# template's placeholders, become spaces (email refuses them: the send failed).
_LINE_BREAKS = re.compile(r"[\r\n]+")
_BLOCK_TAGS = frozenset({"br", "p", "div", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6"})
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title"})


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str
    in_reply_to: str | None
    references: list[str]
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    sent_at: datetime | None
    text: str
    html: str | None
    attachments: list[Attachment]


def parse(raw: bytes) -> ParsedMessage:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    senders = _addresses(msg, "From")
    from_name, from_address = senders[0] if senders else ("", "")
    references = _message_ids(_header_text(msg, "References"))
    replied_to = _message_ids(_header_text(msg, "In-Reply-To"))
    text_part, html_part = _body_part(msg, "plain"), _body_part(msg, "html")
    html = _text_of(html_part) if html_part is not None else None
    text = _text_of(text_part) if text_part is not None else html_to_text(html or "")
    return ParsedMessage(
        message_id=_own_message_id(msg, raw),
        in_reply_to=replied_to[0] if replied_to else None,
        references=references,
        from_address=from_address,
        from_name=from_name,
        to=[address for _, address in _addresses(msg, "To")],
        cc=[address for _, address in _addresses(msg, "Cc")],
        subject=_header_text(msg, "Subject").strip(),
        sent_at=_sent_at(msg),
        text=text,
        html=html,
        attachments=_attachments(msg, skip=(text_part, html_part)),
    )


def compose(
    *,
    from_address: str,
    from_name: str,
    to: list[str],
    cc: list[str],
    subject: str,
    text: str,
    html: str | None,
    in_reply_to: str | None,
    references: list[str],
    domain: str,
) -> EmailMessage:
    msg = EmailMessage(policy=policy.default)
    msg["From"] = _address(from_address, _LINE_BREAKS.sub(" ", from_name))
    if to:
        msg["To"] = [_address(address) for address in to]
    if cc:
        msg["Cc"] = [_address(address) for address in cc]
    msg["Subject"] = _LINE_BREAKS.sub(" ", subject)
    msg["Date"] = datetime.now(UTC)
    msg["Message-ID"] = make_msgid(domain=domain)
    if in_reply_to:
        msg["In-Reply-To"] = _bracketed(in_reply_to)
    if references:
        msg["References"] = " ".join(_bracketed(reference) for reference in references)
    msg.set_content(text, charset="utf-8")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def thread_key(parsed: ParsedMessage) -> str:
    if parsed.references:
        return parsed.references[0]
    return parsed.in_reply_to or parsed.message_id


def html_to_text(html: str) -> str:
    stripper = _HtmlText()
    try:
        stripper.feed(html)
        stripper.close()
    except Exception:  # html.parser can still trip on pathological markup; keep what was read
        pass
    lines = (" ".join(line.split()) for line in "".join(stripper.chunks).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.chunks.append(data)


def _address(spec: str, display_name: str = "") -> Address:
    try:
        return Address(display_name=display_name, addr_spec=spec.strip())
    except (HeaderParseError, InvalidHeaderDefect) as exc:
        raise ValueError(f"{spec!r} is not an e-mail address: {exc}") from exc


def _clean(text: str) -> str:
    """Undo the surrogate escapes the parser uses for undecodable bytes, reading them as UTF-8."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _raw_values(msg: Message, name: str) -> list[str]:
    return [str(value) for key, value in msg.raw_items() if key.lower() == name.lower()]


def _decode_words(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # an encoded word naming an unknown charset or broken base64
        return value


def _header_text(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
        text = "" if value is None else str(value)
    except Exception:  # the stdlib's header parsers raise on some malformed values
        raw = _raw_values(msg, name)
        text = _decode_words(raw[0]) if raw else ""
    return _clean(text)


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    try:
        found = [
            (address.display_name, address.addr_spec)
            for header in msg.get_all(name) or []
            for address in cast(AddressHeader, header).addresses
        ]
    except Exception:  # the stdlib's header parsers raise on some malformed values
        found = getaddresses([_decode_words(value) for value in _raw_values(msg, name)])
    pairs = ((_clean(display).strip(), _clean(spec).strip().lower()) for display, spec in found)
    return [(display, spec) for display, spec in pairs if "@" in spec]


def _message_ids(text: str) -> list[str]:
    bracketed = _MESSAGE_ID.findall(text)
    if bracketed:
        return list(bracketed)
    return [token for token in re.split(r"[\s,]+", text) if "@" in token]


def _own_message_id(msg: Message, raw: bytes) -> str:
    found = _message_ids(_header_text(msg, "Message-ID"))
    if found:
        return found[0]
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@hoa-crm.invalid"


def _bracketed(message_id: str) -> str:
    return f"<{message_id.strip().strip('<>')}>"


def _sent_at(msg: Message) -> datetime | None:
    try:
        header = msg.get("Date")
        when = getattr(header, "datetime", None)
    except Exception:  # the stdlib's header parsers raise on some malformed values
        when = None
    if not isinstance(when, datetime):
        when = _parse_date(_raw_values(msg, "Date"))
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # "-0000" means UTC with the source zone unknown
    return when


def _parse_date(values: list[str]) -> datetime | None:
    try:
        return parsedate_to_datetime(values[0]) if values else None
    except (TypeError, ValueError, IndexError):
        return None


def _body_part(msg: Message, subtype: str) -> Message | None:
    try:
        part = msg.get_body(preferencelist=(subtype,)) if isinstance(msg, EmailMessage) else None
    except Exception:  # a broken MIME tree; fall back to the first matching leaf
        part = None
    if part is not None:
        return part
    for leaf in _leaves(msg):
        if leaf.get_content_type() == f"text/{subtype}" and not _is_attachment(leaf):
            return leaf
    return None


def _text_of(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        if isinstance(content, str):
            return _clean(content)
    except Exception:  # an unknown charset or a broken transfer encoding
        pass
    return _decoded(_payload(part), part.get_content_charset())


def _decoded(payload: bytes, charset: str | None) -> str:
    try:
        return payload.decode(charset or "utf-8", "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # broken base64 or quoted-printable
        return b""
    return payload if isinstance(payload, bytes) else b""


def _leaves(part: Message) -> Iterator[Message]:
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _leaves(sub)
    else:
        yield part


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or _filename(part) is not None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # malformed RFC 2231 parameters
        name = None
    if name is None:
        return None
    return _clean(_decode_words(name) if "=?" in name else name).strip() or None


def _attachments(msg: Message, skip: tuple[Message | None, ...]) -> list[Attachment]:
    found = []
    for number, part in enumerate(_leaves(msg), start=1):
        if any(part is body for body in skip) or not _is_attachment(part):
            continue
        content_type = part.get_content_type()
        name = _filename(part) or f"attachment-{number}{_extension(content_type)}"
        found.append(Attachment(name, content_type, _attachment_bytes(part)))
    return found


def _attachment_bytes(part: Message) -> bytes:
    if part.get_content_maintype() != "message":
        return _payload(part)
    try:
        inner = part.get_payload(0)
        return inner.as_bytes() if isinstance(inner, Message) else _payload(part)
    except Exception:  # a forwarded message too broken to serialise
        return b""


def _extension(content_type: str) -> str:
    if content_type == "message/rfc822":
        return ".eml"
    return mimetypes.guess_extension(content_type) or ".bin"
