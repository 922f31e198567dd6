"""Contact persons are found as people look for them: by a name typed without its marks, by a
piece of the e-mail, by the phone however it is written."""

from __future__ import annotations

import pytest

from tests.deals.integration.helpers import API, counterparty, ok
from tests.support import Suite


@pytest.fixture
def admin(suite: Suite) -> dict[str, str]:
    return suite.headers()


def found(suite: Suite, admin: dict[str, str], q: str) -> list[str]:
    reply = ok(suite.client.get(f"{API}/contacts", query_string={"q": q}, headers=admin))
    return [person["full_name"] for person in reply["items"]]


def test_a_contact_person_is_found_by_name_without_marks_by_email_and_by_phone_digits(
    suite: Suite, admin: dict[str, str]
) -> None:
    client = counterparty(suite, admin)
    person = {
        "full_name": "Nguyễn Thị Hằng",
        "email": "hang.nt@thepviet.vn",
        "phone": "0903 555 217",
    }
    ok(
        suite.client.post(
            f"{API}/counterparties/{client['id']}/contacts", json=person, headers=admin
        ),
        201,
    )
    assert found(suite, admin, "nguyen thi hang") == ["Nguyễn Thị Hằng"]
    assert found(suite, admin, "HẰNG") == ["Nguyễn Thị Hằng"]
    assert found(suite, admin, "thepviet") == ["Nguyễn Thị Hằng"]
    assert found(suite, admin, "0903555217") == ["Nguyễn Thị Hằng"]
    assert found(suite, admin, "Trần Văn Không Có") == []


def test_a_changed_e_mail_is_found_and_the_old_one_no_longer(
    suite: Suite, admin: dict[str, str]
) -> None:
    client = counterparty(suite, admin)
    person = {"full_name": "Lê Minh Quân", "email": "quan.cu@vd.vn"}
    made = ok(
        suite.client.post(
            f"{API}/counterparties/{client['id']}/contacts", json=person, headers=admin
        ),
        201,
    )
    ok(
        suite.client.patch(
            f"{API}/contacts/{made['id']}", json={"email": "quan.moi@vd.vn"}, headers=admin
        )
    )
    assert found(suite, admin, "quan.moi") == ["Lê Minh Quân"]
    assert found(suite, admin, "quan.cu") == []
