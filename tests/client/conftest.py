"""A real API server on 127.0.0.1 over the unseeded demo consortium, for the SDK's tests.

``net`` is one network for the session (orgs, and users ``admin``, ``operator`` and
``viewer`` in each, password ``smechain-demo``); tests keep out of each other's way
by anchoring invoices under fresh party identifiers. ``start_net`` builds one with a clock the
test moves (for settlement). Every server is stopped and every network closed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import structlog
from stdnum.cn import uscc

from smechain.api.app import create_app
from smechain.api.demo import PASSWORD, Demo, start_network
from smechain.api.server import Running, serve_in_thread
from smechain.client import Client
from smechain.node.node import NodeConfig
from smechain.ordering.cutter import CutterConfig

MS_PER_DAY = 86_400_000
_serial = itertools.count(1)


@dataclass
class Net:
    """A served demo network and the clients tests opened on it."""

    demo: Demo
    running: Running
    clock: list[int] | None = None
    """``clock[0]`` is the orderer's time in epoch ms, when the test controls it."""
    clients: list[Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def orderer_keys(self) -> list[bytes]:
        """The orderer keys a third party takes from the consortium file."""
        return list(self.demo.node.orderer_keys)

    def login(self, org: str, username: str = "operator") -> Client:
        """A client signed in as ``username`` of ``org`` (closed at teardown)."""
        client = Client.login(self.url, org, username, PASSWORD)
        self.clients.append(client)
        return client

    def now_ms(self) -> int:
        return self.clock[0] if self.clock is not None else int(
            dt.datetime.now(dt.UTC).timestamp() * 1000)

    def day(self, offset: int = 0) -> str:
        """``YYYY-MM-DD`` ``offset`` days from the ledger's today."""
        today = dt.datetime.fromtimestamp(self.now_ms() / 1000, dt.UTC).date()
        return (today + dt.timedelta(days=offset)).isoformat()

    def advance(self, days: int) -> None:
        """Move the controlled clock forward."""
        assert self.clock is not None, "this network runs on the wall clock"
        self.clock[0] += days * MS_PER_DAY

    def close(self) -> None:
        for client in self.clients:
            client.close()
        try:
            self.running.stop()
        finally:
            self.demo.close()


def start_net(folder: Path, clock: list[int] | None = None) -> Net:
    """Start the unseeded demo network in ``folder`` and serve its API."""
    config = NodeConfig(CutterConfig(max_wait_ms=2), verify_workers=0,
                        clock=(lambda: clock[0]) if clock is not None else None)
    demo = start_network(folder, config)
    try:
        running = serve_in_thread(create_app(demo.platform, portal=False))
    except BaseException:
        demo.close()
        raise
    return Net(demo, running, clock)


@pytest.fixture(scope="session", autouse=True)
def _quiet_request_log() -> Iterator[None]:
    """The API logs a line per request; keep the test output to warnings."""
    previous = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        yield
    finally:
        structlog.configure(**previous)


@pytest.fixture(scope="session")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    """The shared network (wall clock)."""
    served = start_net(tmp_path_factory.mktemp("net"))
    try:
        yield served
    finally:
        served.close()


def fresh_identifier() -> str:
    """A unified social credit code (``USCC:…``, check character valid) never used before
    in this test run."""
    base = f"91310000MA{next(_serial):07d}"
    return f"USCC:{base}{uscc.calc_check_digit(base)}"


def anchor_invoice(tax: Client, seller: str, buyer: str, total: int, *,
                   currency: str = "CNY", issue_date: str = "2026-01-15") -> str:
    """Register fresh identifiers for ``seller`` and ``buyer`` and anchor an invoice between
    them for ``total``; its ledger id."""
    seller_tax, buyer_tax = fresh_identifier(), fresh_identifier()
    tax.invoice.register_party(seller_tax, seller)
    tax.invoice.register_party(buyer_tax, buyer)
    number = f"N{next(_serial):08d}"
    net_amount = total * 100 // 113
    result = tax.invoice.anchor(
        code="0310026", number=number, seller=seller_tax, buyer=buyer_tax, currency=currency,
        net_amount=net_amount, tax_amount=total - net_amount, total_amount=total,
        issue_date=issue_date, digest=hashlib.sha256(number.encode()).digest())
    return str(result.event("InvoiceAnchored").attrs["invoice"])
