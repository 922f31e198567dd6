"""Text as people type it into a search box."""

from __future__ import annotations

import unicodedata


def searchable(text: str) -> str:
    """Lower case without diacritics, so that 'nguyen van an' finds 'Nguyễn Văn An'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def like_escape(text: str) -> str:
    """Text for a LIKE pattern with escape '\\': its own % and _ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
