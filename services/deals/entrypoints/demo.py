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
from services.deals.domain import model
from services.deals.service_layer import campaigns, pipelines
from services.deals.service_layer.deals import _publish, enter_stage
from services.deals.service_layer.unit_of_work import SqlAlchemyUnitOfWork

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
DEALS = 300


def seed(settings: Settings, owner_id: str, counterparty_ids: list[str]) -> int:
    """Loads the demo unless the deals database already has pipelines; returns deals made."""
    app = bootstrap.from_settings(settings)
    actor = Identity(owner_id, frozenset({"admin"}))
    if pipelines.list_pipelines(app.uow(), Page(1, 1))[1] or not counterparty_ids:
        return 0
    wholesale = pipelines.create_pipeline(
        app.uow(),
        "Bán buôn",
        "simple",
        [{"name": n, "probability": p} for n, p in WHOLESALE],
        actor,
    )
    stages = [
        {
            "name": n,
            "probability": p,
            "task_templates": [{"title": t, "due_in_days": 2} for t in titles],
        }
        for n, p, titles in PROJECT
    ]
    project = pipelines.create_pipeline(app.uow(), "Dự án", "business_process", stages, actor)
    reasons = [
        campaigns.create_lost_reason(app.uow(), name, "deal", actor).id for name in LOST_REASONS
    ]
    fair = model.Campaign("Triển lãm Vietbuild 2026", "exhibition", Decimal("120000000"), "VND")
    campaign = campaigns.create_campaign(app.uow(), fair, actor)
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
            number,
        )
    app.engine.dispose()
    return DEALS


def _history(
    uow: SqlAlchemyUnitOfWork,
    rng: random.Random,
    pipeline: model.Pipeline,
    counterparty_id: str,
    owner_id: str,
    reasons: list[str],
    campaign_id: str,
    number: int,
) -> None:
    """One deal walked through its stages over past months, then won, lost or left open."""
    now = datetime.now(UTC)
    at = now - timedelta(days=rng.randint(5, 365), hours=rng.randint(0, 23))
    with uow:
        pipeline = uow.pipelines.get(pipeline.id)
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
            created_at=at,
            updated_at=at,
        )
        uow.deals.add(deal)
        _publish(uow, "deals.deal.created", deal)
        enter_stage(uow, deal, pipeline, stages[0], automatic=False, at=at)
        for stage in stages[1:]:
            at += timedelta(days=rng.expovariate(1 / 12), hours=rng.randint(1, 8))
            if at > now or rng.random() < 0.25:
                break
            _close_tasks(uow, deal.id, at)
            enter_stage(
                uow, deal, pipeline, stage, automatic=pipeline.mode == "business_process", at=at
            )
        _outcome(uow, rng, deal, reasons, at + timedelta(days=rng.randint(1, 10)), now)
        uow.commit()


def _close_tasks(uow: SqlAlchemyUnitOfWork, deal_id: str, at: datetime) -> None:
    uow.session.flush()
    for task in uow.tasks.open_for_stage(deal_id, uow.deals.get(deal_id).stage_id):
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
        _publish(uow, "deals.deal.won", deal)
    else:
        deal.lose(rng.choice(reasons), None, None, at)
        _publish(uow, "deals.deal.lost", deal)
