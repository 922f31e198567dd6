"""Every screen on a phone (390 and 360 px wide), a tablet and a laptop: nothing wider than the screen,
the menu, the search, the bell and the screen's main action within reach of a thumb; the areas
behind a menu button, dialogs as wide as the phone, and the board one stage at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import LiveSuite, new_tab, screenshot, sign_in, visit
from tests.browser.test_mail import mail
from tests.mail.test_mail_api import mailbox_body
from tests.mail_servers import (  # noqa: F401 - fixtures
    ImapServer,
    SmtpServer,
    imap_server,
    smtp_server,
)

PHONE = (390, 844)
SMALL_PHONE = (360, 740)
TABLET = (820, 1180)
LAPTOP = (1440, 900)
SIZES = [
    pytest.param(PHONE, id="phone"),
    pytest.param(SMALL_PHONE, id="small-phone"),
    pytest.param(TABLET, id="tablet"),
    pytest.param(LAPTOP, id="laptop"),
]
AREAS = ("Pipeline", "Counterparties", "My day", "Mail", "Analytics", "Setup", "Administration")
TOUCH = 44  # px: the smallest target a finger hits without a second try
BUYER = "Công ty TNHH Thương mại Điện máy Hưng Thịnh Phát"
STAGES = ("Liên hệ đầu tiên", "Báo giá", "Đàm phán")
FIRST_DEAL = "Tủ lạnh cho chuỗi siêu thị Hưng Thịnh"
QUOTED_DEAL = "Điều hoà cho văn phòng Quận 7"
TASK = "Gọi lại cho chị Mai về báo giá tủ lạnh cho chuỗi siêu thị"


@dataclass(frozen=True)
class Screen:
    name: str
    address: str  # "{id}" is the id of what the fixture named `of` made
    action: str  # the name of the button that is the screen's main action
    of: str = ""


SCREENS = [
    pytest.param(Screen("my-day", "/my-day", "New task"), id="my-day"),
    pytest.param(Screen("board", "/board/{id}", "New deal", "pipeline"), id="board"),
    pytest.param(Screen("deal", "/deals/{id}", "Won", "deal"), id="deal"),
    pytest.param(
        Screen("counterparties", "/counterparties", "New counterparty"), id="counterparties"
    ),
    pytest.param(
        Screen("counterparty", "/counterparties/{id}", "Log interaction", "buyer"),
        id="counterparty",
    ),
    pytest.param(
        Screen("mail", "/mail/{id}", "Sync now", "mailbox"),
        id="mail",
        marks=pytest.mark.integration,  # a real dovecot holds the mailbox's message
    ),
    pytest.param(Screen("analytics", "/analytics", "Export CSV"), id="analytics"),
    pytest.param(Screen("setup", "/setup", "New sales process"), id="setup"),
    pytest.param(Screen("admin", "/admin", "New user"), id="admin"),
]


@pytest.fixture(scope="module")
def buyer(live: LiveSuite) -> dict[str, Any]:
    body = {"name": BUYER, "legal_kind": "legal_entity", "roles": ["customer"], "force": True}
    party = live.api("POST", "/counterparties", body | {"email": "info@hungthinh.vn"})
    contact = {"full_name": "Võ Thị Mai", "position": "Trưởng phòng Mua hàng"}
    live.api("POST", f"/counterparties/{party['id']}/contacts", contact)
    return party


@pytest.fixture(scope="module")
def pipeline(live: LiveSuite) -> dict[str, Any]:
    stages = [{"name": name, "probability": 10 + 30 * i} for i, name in enumerate(STAGES)]
    return live.api(
        "POST", "/pipelines", {"name": "Bán hàng dự án", "mode": "simple", "stages": stages}
    )


@pytest.fixture(scope="module")
def deal(live: LiveSuite, buyer: dict[str, Any], pipeline: dict[str, Any]) -> dict[str, Any]:
    """A deal in the first stage with a task due today, and another one already quoted."""
    common = {"pipeline_id": pipeline["id"], "counterparty_id": buyer["id"], "currency": "VND"}
    first = live.api("POST", "/deals", common | {"title": FIRST_DEAL, "amount": "850000000"})
    quoted = live.api("POST", "/deals", common | {"title": QUOTED_DEAL, "amount": "120000000"})
    quote_stage = next(s for s in pipeline["stages"] if s["name"] == STAGES[1])
    live.api("POST", f"/deals/{quoted['id']}/stage", {"stage_id": quote_stage["id"]})
    task = {"title": TASK, "assignee_id": live.suite.admin_id, "deal_id": first["id"]}
    live.api("POST", "/tasks", task | {"due_date": str(dt.date.today())})
    live.suite.deliver_events()
    return first


@pytest.fixture(scope="module")
def mailbox(
    live: LiveSuite,
    imap_server: ImapServer,  # noqa: F811
    smtp_server: SmtpServer,  # noqa: F811
    buyer: dict[str, Any],
) -> dict[str, Any]:
    """A shared mailbox with the buyer's order in it, synced."""
    account = imap_server.new_user("sales")
    body = mailbox_body(imap_server, smtp_server, account, kind="shared")
    box = live.api("POST", "/mailboxes", body | {"name": "Phòng kinh doanh"})
    order = mail(
        "Võ Thị Mai <mai@hungthinh.vn>",
        box["address"],
        "Đơn đặt hàng tủ lạnh tháng 12 cho chuỗi siêu thị",
        "Chào anh,\n\nXin gửi báo giá 40 tủ lạnh trước thứ Sáu.\n\nTrân trọng,\nVõ Thị Mai",
        dt.timedelta(minutes=40),
    )
    imap_server.append(account.name, account.password, "INBOX", order)
    live.api("POST", f"/mailboxes/{box['id']}/sync")
    live.suite.deliver_events()
    return box


@pytest.fixture(scope="module")
def tabs(browser: Browser, live: LiveSuite, deal: dict[str, Any]) -> Iterator[dict[Any, Page]]:
    """A signed-in tab for each size of screen, opened once the deals and the task are there."""
    opened = {}
    for size in (PHONE, SMALL_PHONE, TABLET, LAPTOP):
        opened[size] = new_tab(browser, live, viewport=size)
        sign_in(opened[size])
    yield opened
    for page in opened.values():
        page.context.close()


def width_of(page: Page) -> int:
    screen = page.viewport_size
    assert screen is not None
    return screen["width"]


def is_phone(page: Page) -> bool:
    return width_of(page) <= 640


def folds_the_areas(page: Page) -> bool:
    """Narrower than a laptop, the areas of the top bar wait behind the menu button."""
    return width_of(page) <= 1100


def assert_fits_the_width(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide on a screen of {width[1]} px"


def assert_within_reach(target: Locator) -> None:
    """On the screen, not off its side, and on a phone big enough for a finger."""
    expect(target).to_be_in_viewport()
    box = target.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= width_of(target.page), box
    if is_phone(target.page):
        assert box["height"] >= TOUCH, f"{box['height']} px high"


def menu(page: Page) -> Locator:
    return page.locator("header.topbar").get_by_role("button", name="Menu")


def area_links(page: Page) -> list[Locator]:
    return [page.locator("nav.main").get_by_role("link", name=area) for area in AREAS]


def assert_the_areas_are_at_hand(page: Page) -> None:
    """On a laptop the areas are in the top bar; on a phone or a tablet behind the menu button,
    which opens and folds them."""
    if not folds_the_areas(page):
        expect(menu(page)).to_be_hidden()
        for link in area_links(page):
            expect(link).to_be_in_viewport()
        return
    assert_within_reach(menu(page))
    expect(page.locator("nav.main")).to_be_hidden()
    menu(page).click()
    expect(menu(page)).to_have_attribute("aria-expanded", "true")
    for link in area_links(page):
        assert_within_reach(link)
    menu(page).click()
    expect(page.locator("nav.main")).to_be_hidden()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_every_screen_fits_the_width_with_the_menu_search_bell_and_its_main_action_at_hand(
    request: pytest.FixtureRequest,
    tabs: dict[Any, Page],
    live: LiveSuite,
    screen: Screen,
    size: tuple[int, int],
) -> None:
    page = tabs[size]
    made = request.getfixturevalue(screen.of) if screen.of else {}
    visit(page, live.url + "/#" + screen.address.format(id=made.get("id")))
    action = page.locator("#screen").get_by_role("button", name=screen.action).first
    expect(action).to_be_visible()
    assert_fits_the_width(page)
    assert_within_reach(action)
    assert_within_reach(page.get_by_placeholder("Search counterparties and deals"))
    header = page.locator("header.topbar")
    assert_within_reach(header.get_by_role("button", name="Notifications"))
    assert_within_reach(header.get_by_role("button", name="Administrator"))
    screenshot(page, f"phone-{screen.name}-{size[0]}")
    assert_the_areas_are_at_hand(page)


def test_on_a_phone_the_menu_leads_to_another_area_and_folds_away(
    tabs: dict[Any, Page], live: LiveSuite
) -> None:
    page = tabs[PHONE]
    visit(page, f"{live.url}/#/my-day")
    menu(page).click()
    screenshot(page, "phone-menu-open", full_page=False)
    page.locator("nav.main").get_by_role("link", name="Counterparties").click()
    expect(page.locator(".page-header h1")).to_have_text("Counterparties")
    expect(page.locator("nav.main")).to_be_hidden()
    expect(menu(page)).to_have_attribute("aria-expanded", "false")


@pytest.mark.parametrize("size", [PHONE, SMALL_PHONE], ids=["phone", "small-phone"])
def test_on_a_phone_the_new_deal_dialog_is_as_wide_as_the_screen_and_no_wider(
    tabs: dict[Any, Page], live: LiveSuite, pipeline: dict[str, Any], size: tuple[int, int]
) -> None:
    page = tabs[size]
    visit(page, f"{live.url}/#/board/{pipeline['id']}")
    page.get_by_role("button", name="New deal").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Title")).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= size[0], box
    assert box["width"] >= size[0] - 1, "a phone's dialog takes the whole width"
    assert box["y"] >= 0 and box["y"] + box["height"] <= size[1], box
    assert_within_reach(dialog.get_by_role("button", name="Close"))
    screenshot(page, f"phone-new-deal-{size[0]}", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_on_a_phone_the_board_shows_one_stage_and_the_switcher_moves_to_another(
    tabs: dict[Any, Page], live: LiveSuite, pipeline: dict[str, Any]
) -> None:
    page = tabs[PHONE]
    visit(page, f"{live.url}/#/board/{pipeline['id']}")
    shown = page.locator(".board .column:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-stage", STAGES[0])
    expect(shown.get_by_role("link", name=FIRST_DEAL)).to_be_visible()
    expect(page.get_by_role("link", name=QUOTED_DEAL)).to_be_hidden()
    assert_within_reach(page.get_by_role("button", name="Next stage"))
    page.get_by_role("button", name="Next stage").click()
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-stage", STAGES[1])
    expect(shown.get_by_role("link", name=QUOTED_DEAL)).to_be_visible()
    quote_stage = next(s for s in pipeline["stages"] if s["name"] == STAGES[1])
    expect(page.get_by_label("Stage shown")).to_have_value(quote_stage["id"])
    screenshot(page, "phone-board-second-stage")
    page.get_by_label("Stage shown").select_option(label=f"{STAGES[2]} · 0")
    expect(shown).to_have_attribute("data-stage", STAGES[2])
    expect(page.get_by_role("button", name="Next stage")).to_be_disabled()
    page.get_by_role("button", name="Previous stage").click()
    expect(shown).to_have_attribute("data-stage", STAGES[1])


def test_on_a_laptop_the_board_shows_every_stage_side_by_side_without_a_switcher(
    tabs: dict[Any, Page], live: LiveSuite, pipeline: dict[str, Any]
) -> None:
    page = tabs[LAPTOP]
    visit(page, f"{live.url}/#/board/{pipeline['id']}")
    expect(page.locator(".board .column:visible")).to_have_count(len(STAGES))
    expect(page.get_by_label("Stage shown")).to_be_hidden()
    expect(page.get_by_role("link", name=QUOTED_DEAL)).to_be_in_viewport()
