"""Pipelines and deals as plain objects: the rules, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crmkit.errors import Conflict, InvalidInput
from services.deals.domain import model

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def a_pipeline(mode: str = "simple") -> model.Pipeline:
    pipeline = model.Pipeline(name="Retail", mode=mode)
    pipeline.stages = [
        model.Stage(pipeline.id, "Lead", 10, 0, [{"title": "Call", "due_in_days": 1}]),
        model.Stage(pipeline.id, "Proposal", 40, 1),
        model.Stage(pipeline.id, "Contract", 80, 2),
    ]
    pipeline.check()
    return pipeline


def a_deal(pipeline: model.Pipeline) -> model.Deal:
    first = pipeline.first_stage()
    return model.Deal(
        "Steel for the plant", pipeline.id, "cp-1", first.id, first.probability, owner_id="u-1"
    )


def test_the_next_stage_skips_archived_ones() -> None:
    pipeline = a_pipeline()
    lead, proposal, contract = pipeline.stages
    proposal.archived = True
    assert pipeline.stage_after(lead.id) is contract
    assert pipeline.stage_after(contract.id) is None


def test_a_pipeline_needs_a_stage_and_distinct_stage_names() -> None:
    empty = model.Pipeline(name="Empty", mode="simple")
    with pytest.raises(InvalidInput):
        empty.check()
    twins = a_pipeline()
    twins.stages[1].name = "lead"
    with pytest.raises(InvalidInput):
        twins.check()


def test_a_stage_in_use_can_be_archived_but_not_removed() -> None:
    pipeline = a_pipeline()
    lead, proposal, contract = pipeline.stages
    with pytest.raises(Conflict):
        pipeline.edit("Retail", "simple", [proposal, contract], in_use={lead.id})
    archived = model.Stage(pipeline.id, "Lead", 10, 0, archived=True, id=lead.id)
    pipeline.edit("Retail", "simple", [archived, proposal, contract], in_use={lead.id})
    assert [s.name for s in pipeline.active_stages()] == ["Proposal", "Contract"]


def test_entering_a_stage_takes_its_probability_unless_set_by_hand() -> None:
    pipeline = a_pipeline()
    deal = a_deal(pipeline)
    deal.enter(pipeline.stages[1], NOW)
    assert deal.probability == 40
    deal.set_probability(25, pipeline.stages[1])
    deal.enter(pipeline.stages[2], NOW)
    assert (deal.probability, deal.probability_manual) == (25, True)
    deal.set_probability(None, pipeline.stages[2])
    assert (deal.probability, deal.probability_manual) == (80, False)


def test_a_closed_deal_must_be_reopened_before_it_moves_or_closes_again() -> None:
    pipeline = a_pipeline()
    deal = a_deal(pipeline)
    deal.lose("too-expensive", "rival", "they were cheaper", NOW)
    assert (deal.status, deal.probability, deal.closed_at) == ("lost", 0, NOW)
    with pytest.raises(Conflict):
        deal.win(NOW)
    deal.reopen(pipeline.stages[0], NOW)
    assert (deal.status, deal.closed_at, deal.lost_reason_id, deal.probability) == (
        "open",
        None,
        None,
        10,
    )
    with pytest.raises(Conflict):
        deal.reopen(pipeline.stages[0], NOW)


def test_a_task_from_a_template_goes_to_the_deal_owner_and_is_due_days_later() -> None:
    pipeline = a_pipeline("business_process")
    deal = a_deal(pipeline)
    task = model.Task.from_template(
        pipeline.stages[0].task_templates[0], deal, pipeline.stages[0], date(2026, 5, 4)
    )
    assert (task.assignee_id, task.due_date, task.stage_id, task.deal_id) == (
        "u-1",
        date(2026, 5, 5),
        pipeline.stages[0].id,
        deal.id,
    )
    task.complete(NOW)
    with pytest.raises(Conflict):
        task.complete(NOW)


def test_a_campaign_response_comes_from_a_counterparty_or_a_prospect_not_both() -> None:
    with pytest.raises(InvalidInput):
        model.CampaignResponse("c-1", "call", counterparty_id="cp-1", prospect_name="New Co")
    with pytest.raises(InvalidInput):
        model.CampaignResponse("c-1", "call")
    assert model.CampaignResponse("c-1", "call", prospect_name="New Co").counterparty_id is None
