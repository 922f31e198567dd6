"""The counterparty card: search text, completeness, validation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crmkit.errors import InvalidInput
from services.contacts.domain import model


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("ĐẶNG QUỐC ĐẠT", "dang quoc dat"),
        ("Công ty Cổ phần Thép Việt Đức", "cong ty co phan thep viet duc"),
        ("Hồ Chí Minh", "ho chi minh"),
    ],
)
def test_vietnamese_text_is_searchable_without_diacritics(written: str, typed: str) -> None:
    assert model.searchable(written) == typed


def test_completeness_counts_nine_things_including_a_contact_person() -> None:
    card = model.Counterparty.register(model.CounterpartyChanges(name="A"))
    assert card.completeness == round(100 * 2 / 9)  # name and legal kind
    full = model.CounterpartyChanges(
        name="A", tax_id="0101234567", region="Hà Nội", industry="Steel",
        email="a@b.vn", phone="0901234567", address="1 Tràng Tiền",
    )  # fmt: skip
    assert model.Counterparty.register(full).completeness == round(100 * 8 / 9)
    assert model.Counterparty.register(full, has_contact=True).completeness == 100


def test_the_phone_is_searchable_by_its_digits_alone() -> None:
    card = model.Counterparty.register(
        model.CounterpartyChanges(name="A", phone="+84 (28) 3822-1234")
    )
    assert "842838221234" in card.search_text


def test_roles_are_deduplicated_and_an_unknown_role_is_refused() -> None:
    assert model.Counterparty.register(
        model.CounterpartyChanges(name="A", roles=("supplier", "customer", "supplier"))
    ).roles == ["supplier", "customer"]
    with pytest.raises(InvalidInput) as refused:
        model.Counterparty.register(model.CounterpartyChanges(name="A", roles=("buyer",)))
    assert refused.value.errors[0].field == "roles"


def test_a_counterparty_needs_a_name() -> None:
    with pytest.raises(InvalidInput) as refused:
        model.Counterparty.register(model.CounterpartyChanges(name="   "))
    assert refused.value.errors[0].field == "name"


def test_a_supplier_profile_refuses_a_sku_listed_twice_and_reliability_over_100() -> None:
    item = model.SupplierItem("A-1", "Bolt", Decimal("1.00"), "VND")
    with pytest.raises(InvalidInput):
        model.SupplierProfile("cp", items=[item, item])
    with pytest.raises(InvalidInput):
        model.SupplierProfile("cp", reliability=101)


def test_an_interaction_is_dated_by_when_it_was_done_or_else_planned() -> None:
    note = model.Interaction("cp", "note", "Hello")
    assert note.at == note.created_at
