"""Mailbox passwords at rest: encrypted with a key from the environment (CRM_MAIL_SECRET_KEY,
else one generated under the data directory on first start)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


class Vault:
    def __init__(self, secret: str) -> None:
        key = base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())
        self._fernet = Fernet(key)
        self._signing = hashlib.sha256(b"sign:" + secret.encode()).digest()

    def sign(self, text: str) -> str:
        """A token carrying `text` that only this key could have made (unsubscribe links)."""
        body = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        mac = hmac.new(self._signing, body.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{body}.{mac}"

    def verify(self, token: str) -> str | None:
        if not token.isascii():  # never one of ours
            return None
        body, _, mac = token.partition(".")
        expected = hmac.new(self._signing, body.encode(), hashlib.sha256).hexdigest()[:32]
        if not hmac.compare_digest(mac, expected):
            return None
        try:
            return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError(
                "a mailbox password cannot be read with this key (was CRM_MAIL_SECRET_KEY changed?)"
            ) from None
