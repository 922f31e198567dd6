"""The lists a company keeps itself (model.MANAGED_LISTS) and its lost reasons: catalogues whose
entries are added, renamed, archived (no longer offered) and restored; and the deal fields chosen
from them."""

from __future__ import annotations

from collections.abc import Collection

from crmkit.domain import described
from crmkit.errors import Conflict, InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.domain import commands, events, model
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
        uow.publish(events.EntryChanged(item, described(item, ("list", "name")), "created"))
        uow.commit()
    return item


def list_items(
    uow: UnitOfWork, list_name: str, page: Page, archived: bool = False
) -> Listed[model.ListItem]:
    if list_name not in model.MANAGED_LISTS:
        raise InvalidInput.field("list", f"there is no list {list_name!r}")
    with uow:
        return uow.views.list_items(list_name, page, archived)


def check_listed(uow: UnitOfWork, deal: model.Deal, chosen: Collection[str] | None = None) -> None:
    """Each field of the deal chosen from a list names an item of that list; one chosen now
    (`chosen`; None: all of them) names one still offered, not an archived one."""
    for field, (list_name, item_id) in deal.listed().items():
        item = uow.list_items.get(item_id)
        if item is None or item.list != list_name:
            raise InvalidInput.field(field, f"{item_id!r} is not an item of the list {list_name}")
        if item.archived and (chosen is None or field in chosen):
            raise InvalidInput.field(field, f"{item.name!r} is archived in the list {list_name}")


# -- the entries of every catalogue: renamed, archived, restored ---------------------------
def entry_of(uow: UnitOfWork, catalogue: str, entry_id: str) -> model.CatalogueEntry:
    kept: model.CatalogueEntry | None
    if catalogue == "list_item":
        kept = uow.list_items.get(entry_id)
    else:
        kept = uow.lost_reasons.get(entry_id)
    if kept is None:
        raise NotFound.of(catalogue.replace("_", " "), entry_id)
    return kept


def _check_unique(uow: UnitOfWork, entry: model.CatalogueEntry, name: str) -> None:
    if isinstance(entry, model.ListItem):
        clash: model.CatalogueEntry | None = uow.list_items.named(entry.list, name)
    else:
        clash = uow.lost_reasons.named(name)
    if clash is not None and clash.id != entry.id:
        raise Conflict(f"{name!r} is already in the list", existing_id=clash.id)


def get_entry(uow: UnitOfWork, catalogue: str, entry_id: str) -> model.CatalogueEntry:
    with uow:
        return entry_of(uow, catalogue, entry_id)


def rename_entry(
    command: commands.RenameEntry, uow: UnitOfWork, actor: Identity
) -> model.CatalogueEntry:
    actor.require_writer(AREA)
    with uow:
        entry = entry_of(uow, command.catalogue, command.entry_id)
        entry.expect(command.expected_version)
        _check_unique(uow, entry, command.name.strip())
        changes = entry.rename(command.name)
        if changes:
            uow.publish(events.EntryChanged(entry, changes, "renamed"))
        uow.commit()
    return entry


def archive_entry(command: commands.ArchiveEntry, uow: UnitOfWork, actor: Identity) -> None:
    """No longer offered for new choices; what already names it keeps it."""
    actor.require_writer(AREA)
    with uow:
        entry = entry_of(uow, command.catalogue, command.entry_id)
        changes = entry.archive(command.expected_version)
        if changes:
            uow.publish(events.EntryChanged(entry, changes, "archived"))
        uow.commit()


def restore_entry(
    command: commands.RestoreEntry, uow: UnitOfWork, actor: Identity
) -> model.CatalogueEntry:
    actor.require_writer(AREA)
    with uow:
        entry = entry_of(uow, command.catalogue, command.entry_id)
        changes = entry.restore()
        if changes:
            uow.publish(events.EntryChanged(entry, changes, "restored"))
        uow.commit()
    return entry
