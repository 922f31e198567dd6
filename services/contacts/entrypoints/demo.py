"""Demo data for a first start: Vietnamese and English counterparties, their people and calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crmkit.identity import Identity
from crmkit.paging import Page
from crmkit.settings import Settings
from services.contacts import bootstrap
from services.contacts.domain import commands, model
from services.contacts.service_layer import handlers
from services.contacts.service_layer.unit_of_work import CounterpartyFilter

COMPANIES = [
    ("Công ty TNHH Thương mại Hoàng Long", "0101234567", "Hà Nội", "Wholesale", ["customer"]),
    ("Công ty Cổ phần Thép Việt Đức", "0202345678", "Hải Phòng", "Steel", ["supplier"]),
    ("Công ty TNHH Nhựa Đồng Nai", "3603456789", "Đồng Nai", "Plastics", ["supplier", "partner"]),
    (
        "Công ty Cổ phần Dược phẩm Ánh Dương",
        "0304567890",
        "TP. Hồ Chí Minh",
        "Pharma",
        ["customer"],
    ),
    ("Tập đoàn Xây dựng Phương Nam", "0305678901", "TP. Hồ Chí Minh", "Construction", ["customer"]),
    (
        "Công ty TNHH Điện tử Sao Mai",
        "0106789012",
        "Hà Nội",
        "Electronics",
        ["customer", "partner"],
    ),
    ("Công ty Cổ phần Nông sản Mê Kông", "1807890123", "Cần Thơ", "Agriculture", ["supplier"]),
    (
        "Công ty TNHH Vận tải Bến Thành",
        "0308901234",
        "TP. Hồ Chí Minh",
        "Logistics",
        ["contractor"],
    ),
    ("Công ty Cổ phần Thực phẩm Hương Việt", "0409012345", "Đà Nẵng", "Food", ["customer"]),
    ("Công ty TNHH Giải pháp Phần mềm Trí Tuệ", "0100123456", "Hà Nội", "Software", ["competitor"]),
    ("Công ty TNHH Bao bì Tân Tiến", "3701234568", "Bình Dương", "Packaging", ["supplier"]),
    ("Công ty Cổ phần Nội thất Gỗ Việt", "3702345679", "Bình Dương", "Furniture", ["customer"]),
    (
        "Công ty TNHH Thiết bị Y tế Bình An",
        "0313456780",
        "TP. Hồ Chí Minh",
        "Medical",
        ["customer"],
    ),
    (
        "Công ty Cổ phần Cơ khí Đông Á",
        "0114567891",
        "Hà Nội",
        "Machinery",
        ["customer", "supplier"],
    ),
    ("Công ty TNHH Dệt may Thành Công", "0315678902", "TP. Hồ Chí Minh", "Textiles", ["customer"]),
    ("Công ty Cổ phần Năng lượng Xanh Miền Trung", "0416789013", "Đà Nẵng", "Energy", ["partner"]),
    ("Công ty TNHH Hóa chất Đức Giang", "0117890124", "Hà Nội", "Chemicals", ["supplier"]),
    ("Công ty Cổ phần Thủy sản Cà Mau", "2008901235", "Cà Mau", "Seafood", ["customer"]),
    ("Công ty TNHH Tư vấn Quản lý Minh Trí", "0109012346", "Hà Nội", "Consulting", ["influencer"]),
    ("Công ty Cổ phần Siêu thị Gia Đình", "0310123457", "TP. Hồ Chí Minh", "Retail", ["customer"]),
    ("Acme Industrial Supplies Ltd", "GB123456789", "London", "Wholesale", ["supplier"]),
    ("Northwind Traders", "US-94-1234567", "Seattle", "Food", ["customer"]),
    ("Blue Harbor Logistics Pte Ltd", "SG201912345K", "Singapore", "Logistics", ["contractor"]),
    ("Contoso Pharmaceuticals", "US-36-7654321", "Chicago", "Pharma", ["customer"]),
    ("Evergreen Packaging Co", "US-22-1112223", "Portland", "Packaging", ["supplier"]),
    ("Fabrikam Robotics GmbH", "DE811234567", "Munich", "Machinery", ["competitor"]),
    ("Tailspin Retail Group", "AU51824753556", "Sydney", "Retail", ["customer"]),
    ("Wide World Importers", "US-47-9988776", "New York", "Wholesale", ["customer", "partner"]),
]

PEOPLE = [
    ("Nguyễn Văn An", "Giám đốc"), ("Trần Thị Bích", "Kế toán trưởng"), ("Lê Hoàng Cường", "Trưởng phòng mua hàng"),
    ("Phạm Thu Dung", "Giám đốc kinh doanh"), ("Đặng Quốc Đạt", "Kỹ sư trưởng"), ("Võ Thị Hạnh", "Trợ lý giám đốc"),
    ("Bùi Minh Khôi", "Phó giám đốc"), ("Đỗ Ngọc Lan", "Trưởng phòng hành chính"), ("Hồ Văn Phúc", "Quản lý kho"),
    ("Ngô Thị Quỳnh", "Chuyên viên mua hàng"), ("Sarah Johnson", "Procurement Manager"), ("David Miller", "CFO"),
    ("Emily Chen", "Head of Operations"), ("Michael Brown", "Purchasing Lead"),
]  # fmt: skip

SUBJECTS = [
    ("call", "Gọi điện giới thiệu sản phẩm"), ("meeting", "Gặp mặt thảo luận hợp đồng"),
    ("note", "Khách hàng quan tâm đến bảng giá mới"), ("call", "Follow-up on the quotation"),
    ("meeting", "Quarterly business review"),
]  # fmt: skip


def _ascii(text: str) -> str:
    return model.searchable(text).replace(" ", ".")


def seed(settings: Settings, owner_id: str | None) -> int:
    """Loads the demo data unless the contacts database already has counterparties."""
    contacts = bootstrap.from_settings(settings)
    actor = Identity(owner_id or "system", frozenset({"admin"}))
    _, total = handlers.list_counterparties(contacts.uow(), CounterpartyFilter(), Page(1, 1))
    if total:
        return 0
    group = commands.CreateCompanyGroup("Tập đoàn Phương Nam", actor)
    holding = handlers.create_company_group(group, contacts.uow())
    now = datetime.now(UTC)
    for index, (name, tax_id, region, industry, roles) in enumerate(COMPANIES):
        domain = _ascii(name.split()[-1]) + ".example"
        details = model.CounterpartyChanges(
            name=name, tax_id=tax_id, region=region, industry=industry, roles=tuple(roles),
            email=f"info@{domain}", phone=f"+84 28 3{index:03d} {index * 37 % 10000:04d}",
            address=f"{10 + index} {region}", owner_id=owner_id,
            group_id=holding.id if "Phương Nam" in name else None,
        )  # fmt: skip
        register = commands.RegisterCounterparty(details, force=True, actor=actor)
        counterparty = handlers.register_counterparty(register, contacts.uow())
        full_name, position = PEOPLE[index % len(PEOPLE)]
        person = model.ContactChanges(
            full_name=full_name, position=position, email=f"{_ascii(full_name)}@{domain}"
        )
        add = commands.AddContactPerson(counterparty.id, person, actor)
        contact = handlers.add_contact_person(add, contacts.uow())
        kind, subject = SUBJECTS[index % len(SUBJECTS)]
        moment = now + timedelta(days=index % 7 - 3, hours=index)
        interaction = commands.LogInteraction(
            counterparty_id=counterparty.id,
            contact_id=contact.id,
            kind=kind,
            subject=subject,
            actor=actor,
            owner_id=owner_id,
            planned_at=moment if moment > now else None,
            done_at=moment if moment <= now else None,
        )
        handlers.log_interaction(interaction, contacts.uow())
    contacts.engine.dispose()
    return len(COMPANIES)


def customer_ids(settings: Settings) -> list[str]:
    """The counterparties that buy, for other services' demo data."""
    contacts = bootstrap.from_settings(settings)
    wanted = CounterpartyFilter(role="customer")
    found, _ = handlers.list_counterparties(contacts.uow(), wanted, Page(1, 500))
    contacts.engine.dispose()
    return [counterparty.id for counterparty in found]
