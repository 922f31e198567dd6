from __future__ import annotations

from pathlib import Path

from crmkit.files import ContentStore


def test_the_same_content_is_stored_once_under_its_digest(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    first = store.put(b"Quy tr\xc3\xacnh")
    assert store.put(b"Quy tr\xc3\xacnh") == first
    assert store.read(first) == b"Quy tr\xc3\xacnh"
    assert len(list(tmp_path.rglob("*"))) == 2  # one folder, one file
