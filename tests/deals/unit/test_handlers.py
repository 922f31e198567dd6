"""The deals service layer on fakes: what a sales team notices, without a database or broker."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from crm.events.v1 import deals_pb2 as wire_events
from crmkit.domain import Event
from crmkit.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from crmkit.identity import Identity
from crmkit.paging import Page
from services.deals.adapters import proto
from services.deals.domain import commands, erp, events, model
from services.deals.domain.commands import NOT_SENT
from services.deals.service_layer import campaigns, deals, lists, pipelines, tasks
from services.deals.service_layer import erp as erp_handlers
from tests.deals.unit.fakes import FakeDirectory, FakeUnitOfWork

MANAGER = Identity("u-manager", frozenset({"manager"}))
VIEWER = Identity("u-viewer", frozenset({"viewer"}))
ERP = Identity("erp-key", scopes=frozenset({"erp:write"}))
BUYER = "cp-buyer"


def stage(name: str, probability: int, *task_titles: str) -> commands.StageSpec:
    templates = tuple(
        commands.TaskTemplate(title=t, due_in_days=1, assignee=model.DEAL_OWNER)
        for t in task_titles
    )
    return commands.StageSpec(
        id=None,
        name=name,
        probability=probability,
        archived=False,
        stall_after_days=None,
        task_templates=templates,
    )


def a_pipeline(uow: FakeUnitOfWork, mode: str = "simple", name: str = "Retail") -> model.Pipeline:
    spec = (
        stage("Qualification", 10, "Call the buyer", "Check credit"),
        stage("Proposal", 40, "Send the proposal"),
        stage("Contract", 80),
    )
    return pipelines.create_pipeline(commands.CreatePipeline(name, mode, spec), uow, MANAGER)


def opening(pipeline: model.Pipeline, **fields: Any) -> commands.CreateDeal:
    wanted = commands.CreateDeal(
        pipeline_id=pipeline.id,
        title="Steel for the plant",
        counterparty_id=BUYER,
        amount=None,
        currency=None,
        expected_close_date=None,
        owner_id=None,
        campaign_id=None,
        source_id=None,
    )
    return replace(wanted, **fields)


def a_deal(uow: FakeUnitOfWork, pipeline: model.Pipeline, **fields: Any) -> model.Deal:
    return deals.create_deal(opening(pipeline, **fields), uow, FakeDirectory(BUYER), MANAGER)


def no_changes(**sent: Any) -> commands.DealChanges:
    unchanged = commands.DealChanges(
        title=NOT_SENT,
        counterparty_id=NOT_SENT,
        amount=NOT_SENT,
        currency=NOT_SENT,
        expected_close_date=NOT_SENT,
        owner_id=NOT_SENT,
        campaign_id=NOT_SENT,
        source_id=NOT_SENT,
        probability=NOT_SENT,
    )
    return replace(unchanged, **sent)


def published(uow: FakeUnitOfWork, kind: type[Event]) -> list[Event]:
    return [e for e in uow.published if isinstance(e, kind)]


# -- opening and moving deals --------------------------------------------------------------
def test_a_new_deal_starts_in_the_first_stage_of_its_pipeline_owned_by_who_opened_it() -> None:
    uow = FakeUnitOfWork()
    pipeline = a_pipeline(uow)
    deal = a_deal(uow, pipeline)
    first = pipeline.first_stage()
    assert (deal.stage_id, deal.probability, deal.owner_id) == (first.id, 10, MANAGER.user_id)
    assert [type(e) for e in uow.published[-2:]] == [events.DealOpened, events.DealStageChanged]
    assert [v.stage_id for v in uow.deals.visits] == [first.id]


def test_a_deal_for_an_unknown_counterparty_is_refused_before_anything_is_stored() -> None:
    uow = FakeUnitOfWork()
    pipeline = a_pipeline(uow)
    with pytest.raises(InvalidInput) as refused:
        deals.create_deal(opening(pipeline), uow, FakeDirectory(), MANAGER)
    assert refused.value.errors[0].field == "counterparty_id"
    assert not uow.deals.items


def test_a_viewer_cannot_open_a_deal() -> None:
    uow = FakeUnitOfWork()
    pipeline = a_pipeline(uow)
    with pytest.raises(Forbidden):
        deals.create_deal(opening(pipeline), uow, FakeDirectory(BUYER), VIEWER)


def test_a_simple_pipeline_never_moves_by_itself() -> None:
    uow = FakeUnitOfWork()
    deal = a_deal(uow, a_pipeline(uow, "simple"))
    assert not uow.tasks.items  # no tasks in a simple pipeline, so nothing to finish
    assert deal.stage_id == uow.pipelines.items[deal.pipeline_id].first_stage().id


def test_a_deal_cannot_move_to_a_stage_of_another_pipeline() -> None:
    uow = FakeUnitOfWork()
    deal = a_deal(uow, a_pipeline(uow, name="Retail"))
    other = a_pipeline(uow, name="Wholesale")
    move = commands.MoveDealToStage(deal.id, other.stages[1].id)
    with pytest.raises(InvalidInput) as refused:
        deals.move_deal_to_stage(move, uow, MANAGER)
    assert "does not belong to pipeline 'Retail'" in refused.value.errors[0].message


def test_moving_a_deal_by_hand_records_the_visit_and_tells_where_it_came_from() -> None:
    uow = FakeUnitOfWork()
    pipeline = a_pipeline(uow)
    deal = a_deal(uow, pipeline)
    qualification, proposal = pipeline.stages[0], pipeline.stages[1]
    deals.move_deal_to_stage(commands.MoveDealToStage(deal.id, proposal.id), uow, MANAGER)
    moved = published(uow, events.DealStageChanged)[-1]
    assert isinstance(moved, events.DealStageChanged)
    assert (moved.from_stage_id, moved.to_stage.id, moved.automatic) == (
        qualification.id,
        proposal.id,
        False,
    )
    assert deal.probability == 40
    with pytest.raises(Conflict):
        deals.move_deal_to_stage(commands.MoveDealToStage(deal.id, proposal.id), uow, MANAGER)


# -- the business process ------------------------------------------------------------------
def test_in_a_business_process_entering_a_stage_creates_its_tasks_and_finishing_them_moves_on() -> (
    None
):
    uow = FakeUnitOfWork()
    pipeline = a_pipeline(uow, "business_process")
    deal = a_deal(uow, pipeline)
    first_tasks = list(uow.tasks.items.values())
    assert sorted(t.title for t in first_tasks) == ["Call the buyer", "Check credit"]
    assert {t.assignee_id for t in first_tasks} == {MANAGER.user_id}

    tasks.complete_task(commands.CompleteTask(first_tasks[0].id), uow, MANAGER)
    assert deal.stage_id == pipeline.stages[0].id
    tasks.complete_task(commands.CompleteTask(first_tasks[1].id), uow, MANAGER)

    assert (deal.stage_id, deal.probability) == (pipeline.stages[1].id, 40)
    open_titles = [t.title for t in uow.tasks.items.values() if t.status == "open"]
    assert open_titles == ["Send the proposal"]
    automatic = published(uow, events.DealStageChanged)[-1]
    assert isinstance(automatic, events.DealStageChanged) and automatic.automatic


def test_a_task_you_may_not_see_cannot_be_completed() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(NotFound):
        tasks.complete_task(commands.CompleteTask("no-such-task"), uow, MANAGER)
    task = tasks.create_task(
        commands.CreateTask(
            title="Call back",
            assignee_id="u-1",
            due_date=date(2026, 5, 4),
            deal_id=None,
            counterparty_id=None,
            note=None,
        ),
        uow,
        MANAGER,
    )
    with pytest.raises(Forbidden):
        tasks.complete_task(commands.CompleteTask(task.id), uow, VIEWER)
    assert task.status == "open"


def test_a_task_done_twice_is_refused() -> None:
    uow = FakeUnitOfWork()
    deal = a_deal(uow, a_pipeline(uow, "business_process"))
    task = next(t for t in uow.tasks.items.values() if t.deal_id == deal.id)
    tasks.complete_task(commands.CompleteTask(task.id), uow, MANAGER)
    with pytest.raises(Conflict):
        tasks.complete_task(commands.CompleteTask(task.id), uow, MANAGER)


# -- outcome -------------------------------------------------------------------------------
def test_a_lost_deal_needs_a_reason() -> None:
    uow = FakeUnitOfWork()
    deal = a_deal(uow, a_pipeline(uow))
    with pytest.raises(InvalidInput) as refused:
        deals.lose_deal(commands.LoseDeal(deal.id, "", None, None), uow, MANAGER)
    assert refused.value.errors[0].field == "reason_id"
    reason = campaigns.create_lost_reason(commands.CreateLostReason("Price", "deal"), uow, MANAGER)
    lost = deals.lose_deal(commands.LoseDeal(deal.id, reason.id, None, "too dear"), uow, MANAGER)
    assert (lost.status, lost.probability, lost.lost_reason_id) == ("lost", 0, reason.id)
    assert isinstance(uow.published[-1], events.DealLost)


def test_a_won_deal_must_be_reopened_before_it_moves_again() -> None:
    uow = FakeUnitOfWork()
    pipeline = a_pipeline(uow)
    deal = a_deal(uow, pipeline)
    deals.win_deal(commands.WinDeal(deal.id), uow, MANAGER)
    assert (deal.status, deal.probability) == ("won", 100)
    with pytest.raises(Conflict):
        deals.move_deal_to_stage(
            commands.MoveDealToStage(deal.id, pipeline.stages[2].id), uow, MANAGER
        )
    deals.reopen_deal(commands.ReopenDeal(deal.id), uow, MANAGER)
    assert (deal.status, deal.probability) == ("open", 10)


# -- changing a deal -----------------------------------------------------------------------
def test_a_change_touches_only_the_fields_sent() -> None:
    uow = FakeUnitOfWork()
    deal = a_deal(uow, a_pipeline(uow), amount=Decimal("100"), currency="VND")
    change = commands.ChangeDeal(deal.id, no_changes(title="Steel, phase two"))
    deals.change_deal(change, uow, FakeDirectory(BUYER), MANAGER)
    assert (deal.title, deal.amount, deal.currency) == ("Steel, phase two", Decimal("100"), "VND")
    assert isinstance(uow.published[-1], events.DealChanged)


def test_a_deal_cannot_lose_its_title_and_an_amount_needs_a_currency() -> None:
    uow = FakeUnitOfWork()
    deal = a_deal(uow, a_pipeline(uow))
    directory = FakeDirectory(BUYER)
    with pytest.raises(InvalidInput) as refused:
        deals.change_deal(
            commands.ChangeDeal(deal.id, no_changes(title=None)), uow, directory, MANAGER
        )
    assert refused.value.errors[0].field == "title"
    with pytest.raises(InvalidInput) as refused:
        amount = no_changes(amount=Decimal("5"))
        deals.change_deal(commands.ChangeDeal(deal.id, amount), uow, directory, MANAGER)
    assert refused.value.errors[0].field == "currency"


def test_a_probability_set_by_hand_stays_until_it_is_cleared() -> None:
    uow = FakeUnitOfWork()
    pipeline = a_pipeline(uow)
    deal = a_deal(uow, pipeline)
    directory = FakeDirectory(BUYER)
    deals.change_deal(
        commands.ChangeDeal(deal.id, no_changes(probability=55)), uow, directory, MANAGER
    )
    deals.move_deal_to_stage(commands.MoveDealToStage(deal.id, pipeline.stages[1].id), uow, MANAGER)
    assert (deal.probability, deal.probability_manual) == (55, True)
    deals.change_deal(
        commands.ChangeDeal(deal.id, no_changes(probability=None)), uow, directory, MANAGER
    )
    assert (deal.probability, deal.probability_manual) == (40, False)


def test_every_editable_field_of_a_deal_travels_from_the_wire_to_the_deal() -> None:
    """proto.py names each field once; a field it forgets would not arrive here."""
    from google.protobuf.field_mask_pb2 import FieldMask

    from crm.deals.v1 import deals_pb2 as pb

    request = pb.UpdateDealRequest(
        id="d-1",
        deal=pb.Deal(
            title="New title",
            counterparty_id="cp-2",
            amount="12.50",
            currency="USD",
            expected_close_date="2026-06-30",
            owner_id="u-2",
            campaign_id="c-1",
            source_id="src-1",
        ),
        update_mask=FieldMask(paths=sorted(proto.EDITABLE)),
        probability=70,
    )
    changes = proto.change_deal(request).changes
    assert changes == commands.DealChanges(
        title="New title",
        counterparty_id="cp-2",
        amount=Decimal("12.50"),
        currency="USD",
        expected_close_date=date(2026, 6, 30),
        owner_id="u-2",
        campaign_id="c-1",
        source_id="src-1",
        probability=70,
    )


# -- the ERP -------------------------------------------------------------------------------
def invoice(external_id: str = "INV-1", price: str = "100") -> commands.ReceivedErpDocument:
    document = erp.ErpDocument(
        "invoice",
        external_id,
        "No. 1",
        date(2026, 5, 4),
        "",
        {"currency": "VND", "status": "posted", "due_date": None, "paid_at": None},
        [erp.Line("STEEL", Decimal("2"), "Steel", Decimal(price))],
    )
    reference = commands.CounterpartyReference("counterparty_id", "id", BUYER)
    return commands.ReceivedErpDocument("invoice", external_id, document, reference, [])


def ingest(uow: FakeUnitOfWork, *documents: commands.ReceivedErpDocument) -> list[str]:
    batch = commands.IngestErpBatch(list(documents))
    return [o.outcome for o in erp_handlers.ingest(batch, uow, FakeDirectory(BUYER), ERP)]


def test_an_erp_document_sent_twice_is_stored_once_and_a_changed_one_updated() -> None:
    uow = FakeUnitOfWork()
    assert ingest(uow, invoice()) == ["created"]
    assert ingest(uow, invoice()) == ["unchanged"]
    assert ingest(uow, invoice(price="120")) == ["updated"]
    assert len(uow.erp.stored) == 1
    kinds = [type(e) for e in uow.published]
    assert kinds == [events.ErpDocumentPosted, events.ErpDocumentUpdated]


def test_an_erp_document_for_an_unknown_counterparty_is_rejected_by_name_and_the_rest_stored() -> (
    None
):
    uow = FakeUnitOfWork()
    unknown = invoice("INV-2")
    unknown.reference = commands.CounterpartyReference("counterparty_tax_id", "tax_id", "999")
    batch = commands.IngestErpBatch([invoice("INV-1"), unknown])
    outcomes = erp_handlers.ingest(batch, uow, FakeDirectory(BUYER), ERP)
    assert [o.outcome for o in outcomes] == ["created", "rejected"]
    assert outcomes[1].errors == [
        FieldError("counterparty_tax_id", "no counterparty has tax_id '999'")
    ]


def test_the_same_erp_document_twice_in_one_batch_is_stored_once() -> None:
    uow = FakeUnitOfWork()
    assert ingest(uow, invoice(), invoice()) == ["created", "rejected"]


def test_only_the_erp_may_send_documents() -> None:
    batch = commands.IngestErpBatch([invoice()])
    with pytest.raises(Forbidden):
        erp_handlers.ingest(batch, FakeUnitOfWork(), FakeDirectory(BUYER), MANAGER)


# -- the lists a company keeps ---------------------------------------------------------------
def test_a_list_nobody_keeps_is_refused_naming_the_list() -> None:
    with pytest.raises(InvalidInput) as refused:
        lists.list_items(FakeUnitOfWork(), "shoe_sizes", Page(1, 50))
    assert refused.value.errors[0].field == "list"


def test_an_entry_is_in_its_list_once_whatever_its_case() -> None:
    uow = FakeUnitOfWork()
    first = lists.add_list_item(commands.AddListItem("deal_source", "  Triển lãm "), uow, MANAGER)
    with pytest.raises(Conflict):
        lists.add_list_item(commands.AddListItem("deal_source", "triển lãm"), uow, MANAGER)
    assert first.name == "Triển lãm"
    assert lists.list_items(uow, "deal_source", Page(1, 50)) == ([first], 1)


def a_source(uow: FakeUnitOfWork, name: str = "Website") -> str:
    return lists.add_list_item(commands.AddListItem("deal_source", name), uow, MANAGER).id


def test_a_deal_keeps_where_it_came_from_and_the_event_says_it() -> None:
    uow = FakeUnitOfWork()
    website = a_source(uow)
    deal = a_deal(uow, a_pipeline(uow), source_id=website)
    assert uow.deals.get(deal.id).source_id == website
    assert [e.deal.source_id for e in published(uow, events.DealOpened)] == [website]


def test_a_deal_source_that_is_not_in_the_list_is_refused_naming_the_field() -> None:
    uow = FakeUnitOfWork()
    pipeline = a_pipeline(uow)
    with pytest.raises(InvalidInput) as refused:
        a_deal(uow, pipeline, source_id="no-such-source")
    assert refused.value.errors[0].field == "source_id"
    assert uow.deals.items == {}


def test_a_deal_source_can_be_changed_and_cleared() -> None:
    uow = FakeUnitOfWork()
    pipeline = a_pipeline(uow)
    referral, fair = a_source(uow, "Giới thiệu"), a_source(uow, "Triển lãm")
    deal = a_deal(uow, pipeline, source_id=referral)
    changed = deals.change_deal(
        commands.ChangeDeal(deal.id, no_changes(source_id=fair)), uow, FakeDirectory(BUYER), MANAGER
    )
    assert changed.source_id == fair
    cleared = deals.change_deal(
        commands.ChangeDeal(deal.id, no_changes(source_id=None)), uow, FakeDirectory(BUYER), MANAGER
    )
    assert cleared.source_id is None


def test_a_deal_event_carries_the_dimensions_analytics_groups_the_deal_by() -> None:
    deal = model.Deal("Thép", "p-1", BUYER, "s-1", 10, owner_id="u-1", source_id="src-1")
    opened = proto.to_outbound(events.DealOpened(deal)).payload
    assert isinstance(opened, wire_events.DealChanged)
    assert dict(opened.dimensions) == {"owner": "u-1", "source": "src-1"}
