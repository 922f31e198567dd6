"""Demo data: two pipelines (one per mode) and a few hundred deals with a year of history,
so that funnel, bottleneck and lost-deal analytics have something to show."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from crmkit.identity import Identity
from crmkit.paging import Page
from crmkit.settings import Settings
from services.deals import bootstrap
from services.deals.adapters.unit_of_work import SqlAlchemyUnitOfWork
from services.deals.domain import commands, events, model
from services.deals.service_layer import campaigns, lists, pipelines
from services.deals.service_layer.deals import enter_stage

WHOLESALE = [("Tiếp cận", 10), ("Báo giá", 30), ("Đàm phán", 60), ("Hợp đồng", 85)]
PROJECT = [
    ("Khảo sát", 10, ["Gọi điện làm rõ nhu cầu", "Khảo sát hiện trường"]),
    ("Đề xuất", 35, ["Gửi đề xuất kỹ thuật"]),
    ("Thương lượng", 65, ["Họp thương lượng giá"]),
    ("Ký hợp đồng", 90, ["Ký hợp đồng"]),
]
LOST_REASONS = [
    "Giá cao",
    "Chọn đối thủ",
    "Không có ngân sách",
    "Hết nhu cầu",
    "Thời gian giao hàng",
]
# Where deals come from; the first is the exhibition the demo campaign was.
SOURCES = ["Triển lãm", "Khách hàng giới thiệu", "Website", "Gọi điện chào hàng", "Đối tác"]
DEALS = 300


def seed(settings: Settings, owner_id: str, counterparty_ids: list[str]) -> int:
    """Loads the demo unless the deals database already has pipelines; returns deals made."""
    app = bootstrap.from_settings(settings)
    actor = Identity(owner_id, frozenset({"admin"}))
    if pipelines.list_pipelines(app.uow(), Page(1, 1))[1] or not counterparty_ids:
        return 0
    simple = commands.CreatePipeline(
        "Bán buôn", "simple", tuple(_stage(n, p, []) for n, p in WHOLESALE)
    )
    wholesale = pipelines.create_pipeline(simple, app.uow(), actor)
    process = commands.CreatePipeline(
        "Dự án", "business_process", tuple(_stage(n, p, titles) for n, p, titles in PROJECT)
    )
    project = pipelines.create_pipeline(process, app.uow(), actor)
    reasons = [
        campaigns.create_lost_reason(commands.CreateLostReason(name, "deal"), app.uow(), actor).id
        for name in LOST_REASONS
    ]
    fair = commands.CreateCampaign(
        name="Triển lãm Vietbuild 2026",
        channel="exhibition",
        cost=Decimal("120000000"),
        currency="VND",
        start_date=None,
        end_date=None,
    )
    campaign = campaigns.create_campaign(fair, app.uow(), actor)
    sources = [
        lists.add_list_item(commands.AddListItem("deal_source", name), app.uow(), actor).id
        for name in SOURCES
    ]
    rng = random.Random(2026)
    for number in range(DEALS):
        chosen = wholesale if number % 3 else project
        _history(
            app.uow(),
            rng,
            chosen,
            rng.choice(counterparty_ids),
            owner_id,
            reasons,
            campaign.id,
            sources,
            number,
        )
    app.engine.dispose()
    return DEALS


def _stage(name: str, probability: int, tasks: list[str]) -> commands.StageSpec:
    return commands.StageSpec(
        id=None,
        name=name,
        probability=probability,
        archived=False,
        stall_after_days=None,
        task_templates=tuple(
            commands.TaskTemplate(title=t, due_in_days=2, assignee=model.DEAL_OWNER) for t in tasks
        ),
    )


def _history(
    uow: SqlAlchemyUnitOfWork,
    rng: random.Random,
    pipeline: model.Pipeline,
    counterparty_id: str,
    owner_id: str,
    reasons: list[str],
    campaign_id: str,
    sources: list[str],
    number: int,
) -> None:
    """One deal walked through its stages over past months, then won, lost or left open."""
    now = datetime.now(UTC)
    at = now - timedelta(days=rng.randint(5, 365), hours=rng.randint(0, 23))
    with uow:
        pipeline = uow.pipelines.get(pipeline.id) or pipeline  # this session's copy
        stages = pipeline.active_stages()
        deal = model.Deal(
            title=f"{pipeline.name} #{number + 1:03d}",
            pipeline_id=pipeline.id,
            counterparty_id=counterparty_id,
            stage_id=stages[0].id,
            probability=stages[0].probability,
            amount=Decimal(rng.randrange(20, 2000) * 1_000_000),
            currency="VND",
            expected_close_date=(at + timedelta(days=rng.randint(20, 120))).date(),
            owner_id=owner_id,
            campaign_id=campaign_id if number % 7 == 0 else None,
            source_id=sources[0] if number % 7 == 0 else rng.choice([*sources[1:], None]),
            created_at=at,
            updated_at=at,
        )
        uow.deals.add(deal)
        uow.publish(events.DealOpened(deal))
        enter_stage(uow, deal, pipeline, stages[0], automatic=False, at=at)
        for stage in stages[1:]:
            at += timedelta(days=rng.expovariate(1 / 12), hours=rng.randint(1, 8))
            if at > now or rng.random() < 0.25:
                break
            _close_tasks(uow, deal, at)
            enter_stage(
                uow, deal, pipeline, stage, automatic=pipeline.mode == "business_process", at=at
            )
        _outcome(uow, rng, deal, reasons, at + timedelta(days=rng.randint(1, 10)), now)
        uow.commit()


def _close_tasks(uow: SqlAlchemyUnitOfWork, deal: model.Deal, at: datetime) -> None:
    for task in uow.tasks.open_for_stage(deal.id, deal.stage_id):
        task.complete(at)


def _outcome(
    uow: SqlAlchemyUnitOfWork,
    rng: random.Random,
    deal: model.Deal,
    reasons: list[str],
    at: datetime,
    now: datetime,
) -> None:
    if at > now or rng.random() < 0.3:
        return
    last_stage = deal.probability >= 85
    if rng.random() < (0.7 if last_stage else 0.15):
        deal.win(at)
        uow.publish(events.DealWon(deal))
    else:
        deal.lose(rng.choice(reasons), None, None, at)
        uow.publish(events.DealLost(deal))
