"""Issue 15 end to end, on PostgreSQL with real relays, broker, consumers and celery worker: an
ERP pushes 50,000 invoices through /erp/batch and a director asks for a classification at once.
The run waits until analytics has applied every invoice its sources had published, and its
classes equal an independent computation over all of them; with the analytics consumer stopped,
a run fails after its wait naming the lag, or computes marked partial when asked to."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from typing import Any

import pytest
import requests

from tests.analytics.independent import Invoice, classes
from tests.chaos.stack import ADMIN_PASSWORD, Stack, running_stack, wait_until

pytestmark = pytest.mark.integration

CUSTOMERS = 1_500
CONTRACTS = 300  # of them buy every month, under contract
INVOICES = 50_000
BATCH = 1_000  # documents in one /erp/batch, the most it takes
MONTHS = 6  # January..June 2026, the window of every run here
INVOICE_EVENTS = "deals.invoice.posted"
WINDOW = {"period_from": "2026-01-01", "period_to": "2026-06-30"}


@dataclass
class Erp:
    """The suite as processes, and what was pushed into it: per customer id, its invoices."""

    stack: Stack
    admin: dict[str, str]
    key: dict[str, str]
    sales: dict[str, list[Invoice]] = field(default_factory=dict)
    buying: list[float] = field(default_factory=list)  # cumulative weights of the customers
    seasons: dict[str, list[float]] = field(default_factory=dict)  # per customer, its months
    rng: random.Random = field(default_factory=lambda: random.Random(15))

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        reply = requests.request(method, self.stack.api + path, timeout=120, **kwargs)
        assert reply.status_code == expect, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    def push(self, count: int, contracts: bool = False) -> None:
        """`count` invoices of one line, in batches, by two senders as an ERP's export would;
        with `contracts`, first those of the customers who buy every month."""
        documents = self._contracts() if contracts else []
        documents += [self._invoice() for _ in range(count - len(documents))]
        batches = [documents[i : i + BATCH] for i in range(0, count, BATCH)]
        with ThreadPoolExecutor(2) as senders:
            for result in senders.map(self._send, batches):
                assert result["created"] == BATCH, result

    def _send(self, batch: list[dict[str, Any]]) -> Any:
        return self.call("POST", "/erp/batch", json={"invoices": batch}, headers=self.key)

    def _contracts(self) -> list[dict[str, Any]]:
        """An invoice a month from each customer on contract: nearly the same amount for the
        steady ones (X), within a third for the others (Y or Z)."""
        on_contract = list(self.sales)[:CONTRACTS]
        spreads = [5 if n % 2 else 40 for n in range(CONTRACTS)]  # percent around the usual
        return [
            self._document(
                customer, month, 1, self.rng.randint(100 - spread, 100 + spread) * 10_000
            )
            for customer, spread in zip(on_contract, spreads, strict=True)
            for month in range(MONTHS)
        ]

    def _invoice(self) -> dict[str, Any]:
        """A buyer drawn so that a few buy much and many little, in the months it favours."""
        customers = list(self.sales)[CONTRACTS:]
        customer = self.rng.choices(customers, cum_weights=self.buying)[0]
        month = self.rng.choices(range(MONTHS), self.seasons[customer])[0]
        return self._document(
            customer, month, self.rng.randint(1, 20), self.rng.randint(1, 1_000_000)
        )

    def _document(self, customer: str, month: int, quantity: int, price: int) -> dict[str, Any]:
        self.sales[customer].append((month, float(quantity * price)))
        return {
            "external_id": f"HD-{uuid.uuid4().hex}",
            "number": "HD",
            "date": date(2026, month + 1, self.rng.randint(1, 28)).isoformat(),
            "counterparty_id": customer,
            "currency": "VND",
            "lines": [{"sku": "SP-1", "quantity": str(quantity), "price": str(price)}],
        }

    def customers(self, count: int) -> None:
        with ThreadPoolExecutor(4) as clerks:
            made = list(clerks.map(self._customer, range(count)))
        self.sales = {customer: [] for customer in made}
        self.buying = list(accumulate(self.rng.paretovariate(1.1) for _ in made[CONTRACTS:]))
        self.seasons = {c: [self.rng.random() ** 3 + 0.01 for _ in range(MONTHS)] for c in made}

    def _customer(self, n: int) -> str:
        body = {
            "name": f"Khách hàng {n} {uuid.uuid4().hex[:6]}",
            "roles": ["customer"],
            "force": True,
        }
        made = self.call("POST", "/counterparties", 201, json=body, headers=self.admin)
        return str(made["id"])

    def classify(self, **asked: Any) -> dict[str, Any]:
        """A run asked for now, once the worker has finished it."""
        started = self.call(
            "POST", "/analytics/classifications", 202, json={**WINDOW, **asked}, headers=self.admin
        )
        path = f"/analytics/classifications/{started['run_id']}"
        finished: dict[str, Any] = {}

        def over() -> bool:
            finished.update(self.call("GET", path, headers=self.admin))
            return finished["status"] in ("done", "failed")

        wait_until(over, 600, "the classification run")
        return finished

    def classes_of(self, run: dict[str, Any]) -> dict[str, tuple[str, str | None, str]]:
        path = f"/analytics/classifications/{run['id']}/results"
        found = {}
        for page in range(1, run["customers"] // 500 + 2):
            query = {"page": page, "page_size": 500}
            for row in self.call("GET", path, params=query, headers=self.admin)["items"]:
                found[row["counterparty_id"]] = (row["abc"], row["xyz"], row["status"])
        return found

    def expected(self) -> dict[str, tuple[str, str | None, str]]:
        return classes(self.sales, MONTHS)


def start_processes(stack: Stack) -> None:
    for service in ("contacts", "deals", "analytics"):
        stack.service(service, "serve")
    for service in ("contacts", "deals"):
        stack.service(service, "relay")
    for service in ("deals", "analytics"):
        stack.service(service, "consume")
    stack.service("analytics", "worker")
    stack.gateway()
    stack.wait_for_servers()


@pytest.fixture(scope="module")
def erp(templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Erp]:
    with running_stack(templates, tmp_path_factory.mktemp("erp-push")) as stack:
        start_processes(stack)
        login = {"username": "admin", "password": ADMIN_PASSWORD}
        token = requests.post(f"{stack.api}/auth/login", json=login, timeout=30).json()
        admin = {"Authorization": f"Bearer {token['access_token']}"}
        body = {"name": "ERP", "scopes": ["erp:write"]}
        made = requests.post(f"{stack.api}/api-keys", json=body, headers=admin, timeout=30)
        erp = Erp(stack, admin, {"X-API-Key": made.json()["key"]})
        erp.customers(CUSTOMERS)
        yield erp


def test_a_classification_asked_for_right_after_50000_invoices_waits_for_them_and_is_right(
    erp: Erp,
) -> None:
    pushed = time.monotonic()
    erp.push(INVOICES, contracts=True)
    pushed = time.monotonic() - pushed
    behind = erp.call("GET", "/analytics/freshness", headers=erp.admin)
    run = erp.classify()
    assert (run["status"], run["partial"], run["customers"]) == ("done", False, CUSTOMERS)
    assert run["awaited"][INVOICE_EVENTS] == INVOICES  # every invoice the ERP had pushed
    expected = erp.expected()
    assert erp.classes_of(run) == expected
    assert {abc for abc, _, _ in expected.values()} == {"A", "B", "C"}  # the check means much
    assert {xyz for _, xyz, _ in expected.values()} >= {"X", "Y", "Z"}
    print(
        f"\n{INVOICES} invoices pushed in {pushed:.0f} s; when the run was asked for analytics "
        f"lagged {_lag(behind)}; the run waited {run['waited_seconds']:.1f} s"
    )


def test_with_the_analytics_consumer_stopped_a_run_fails_naming_the_lag_or_computes_partial(
    erp: Erp,
) -> None:
    applied = erp.expected()
    erp.stack.kill("analytics_consume")
    erp.push(BATCH)

    failed = erp.classify(wait_seconds=2)
    assert failed["status"] == "failed" and failed["waited_seconds"] >= 2
    assert f"{BATCH} {INVOICE_EVENTS}" in failed["reason"], failed["reason"]
    assert "after waiting 2 s" in failed["reason"]

    partial = erp.classify(wait_seconds=1, partial_allowed=True)
    assert (partial["status"], partial["partial"]) == ("done", True)
    assert erp.classes_of(partial) == applied  # what analytics had: the first 50,000

    erp.stack.service("analytics", "consume")
    caught_up = erp.classify()
    assert (caught_up["status"], caught_up["partial"]) == ("done", False)
    assert erp.classes_of(caught_up) == erp.expected()


def _lag(freshness: dict[str, Any]) -> str:
    sources = {s["producer"]: s for s in freshness["sources"]}
    deals = sources["deals"]
    return f"{deals['lag_events']} deals events, {deals['lag_seconds']:.1f} s"
