"""The lists a company keeps itself (model.MANAGED_LISTS), and the deal fields chosen from them."""

from __future__ import annotations

from crmkit.errors import Conflict, InvalidInput
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.domain import commands, model
from services.deals.service_layer.pipelines import AREA
from services.deals.service_layer.unit_of_work import Listed, UnitOfWork


def add_list_item(
    command: commands.AddListItem, uow: UnitOfWork, actor: Identity
) -> model.ListItem:
    item = model.ListItem(list=command.list, name=command.name)
    actor.require_writer(AREA)
    with uow:
        clash = uow.list_items.named(item.list, item.name)
        if clash is not None:
            raise Conflict(f"{item.name!r} is already in the list", existing_id=clash.id)
        uow.list_items.add(item)
        uow.commit()
    return item


def list_items(uow: UnitOfWork, list_name: str, page: Page) -> Listed[model.ListItem]:
    if list_name not in model.MANAGED_LISTS:
        raise InvalidInput.field("list", f"there is no list {list_name!r}")
    with uow:
        return uow.views.list_items(list_name, page)


def check_listed(uow: UnitOfWork, deal: model.Deal) -> None:
    """Each field of the deal chosen from a list names an item of that list."""
    for field, (list_name, item_id) in deal.listed().items():
        item = uow.list_items.get(item_id)
        if item is None or item.list != list_name:
            raise InvalidInput.field(field, f"{item_id!r} is not an item of the list {list_name}")
