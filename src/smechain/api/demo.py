"""The demo consortium: an embedded network seeded through the API's own service layer.

A core enterprise, four tiers of suppliers, two banks, a factor, a guarantor,
a tax authority, a market regulator and a social insurance office (the data owners
of credit scoring), customs, the IP office, a bonded warehouse, a regulator and a cash
issuer. Everything below happens as
their users would do it (custodial signing, proposals for two-party deals),
over the last four months of the orderer's clock, so the portal opens on a
ledger with history:

- 120 days ago the issuer mints digital cash; the tax authority registers the
  firms' tax ids and anchors eight invoices from tier 1 to the core enterprise;
- 115 days ago tier 1 gets a certificate confirmed (due 8 days ago), pays
  tier 2 with a part and sells the other to Bank A; 70 days ago a second one
  (due 6 days ago) is sold whole to the factor with recourse; the core
  enterprise pays one due part and is late on the rest, so the factor may mark
  its part overdue and claim from tier 1;
- 110 days ago Bank A registers a scorecard model and reports its stability each
  quarter; 30 days ago tier 1 grants Bank A consent to its tax, market regulation
  and social insurance data, Bank A registers the model's successor and retires the
  drifting one, and the data owners attest their partial scores; tier 2's consent
  is revoked, tier 3's has expired;
- 40 days ago a certificate is confirmed, split and passed down four tiers of
  suppliers (the lineage tree); a part is sold to Bank A, another guaranteed;
- 120 days ago the central bank loads the China banking-day calendar's shipped years;
  20 days ago the Shanghai bonded warehouse issues tier 4 a receipt for copper, which tier 4
  pledges to Bank B; 10 days ago a second receipt, held free;
- today: a request to confirm, offers to Bank A and the factor left open, a
  second financing of invoice 1 tried from tier 1's own system (non-custodial)
  and refused by the ledger, a voided invoice, and a factor admitted by two of
  the three governing admins.

Each module tells its part of the story (``seed`` in ``modules/<name>/demo.py``);
this file holds the consortium and the ``DemoBuilder`` the seeds act through, and
runs the seeds together in time order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smechain.api.accounts import Account, Role
from smechain.api.caller import Caller
from smechain.api.platform import Platform
from smechain.modules import parts
from smechain.node.consortium import consortium_from_dict
from smechain.node.keys import KeyPair
from smechain.node.node import Node, NodeConfig
from smechain.ordering.cutter import CutterConfig

PASSWORD = "smechain-demo"
TAX_IDS = {"core-a": "USCC:91310000MA1K000006", "sme-t1": "USCC:91310000MA1K000107",
           "sme-t2": "USCC:91310000MA1K000208", "sme-t3": "USCC:91310000MA1K000309",
           "sme-t4": "USCC:91310000MA1K00040A"}
"""Each firm's unified social credit code (GB 32100-2015, check character valid)."""

ORGS = [
    ("core-a", "Zhonghe Heavy Industries 中核重工", ["core_enterprise"]),
    ("sme-t1", "Tier-1 Gearbox Co. 一级齿轮箱", ["sme"]),
    ("sme-t2", "Tier-2 Castings Ltd 二级铸件", ["sme"]),
    ("sme-t3", "Tier-3 Steel Forge 三级锻钢", ["sme"]),
    ("sme-t4", "Tier-4 Bolts & Fasteners 四级紧固件", ["sme"]),
    ("bank-a", "Bank A 甲银行", ["bank"]),
    ("bank-b", "Bank B 乙银行", ["bank"]),
    ("factor-x", "Factor X 商业保理", ["factor"]),
    ("guar-g", "Guarantee G 融资担保", ["guarantor"]),
    ("tax-sh", "Shanghai Tax Bureau 上海税务", ["tax_authority"]),
    ("amr-sh", "Shanghai Market Regulation 上海市场监管", ["market_regulator"]),
    ("si-sh", "Shanghai Social Insurance 上海社保", ["social_insurance"]),
    ("customs-sh", "Shanghai Customs 上海海关", ["customs"]),
    ("cnipa", "National IP Administration 国家知识产权局", ["ip_office"]),
    ("warehouse-sh", "Shanghai Bonded Warehouse 上海保税仓储", ["warehouse"]),
    ("regulator", "Banking Regulator 金融监管", ["regulator"]),
    ("pboc", "Digital Cash Issuer 数字人民币", ["cash_issuer"]),
    ("carrier-cosco", "COSCO Shipping Lines 中远海运集运", ["carrier"]),
]


def consortium_doc(chain_id: str = "smechain-demo") -> dict[str, Any]:
    """The demo consortium file, as a dict."""
    return {
        "chain_id": chain_id, "suite": "ed25519",
        "governance": {"admins": ["regulator", "bank-a", "core-a"], "add_org": 2,
                       "suspend_org": 2, "readmit_org": 2, "rekey_org": 2},
        "orgs": [{"id": i, "name": n, "roles": r} for i, n, r in ORGS],
    }


HISTORY_DAYS = 120
MS_PER_DAY = 86_400_000


class DemoClock:
    """The demo orderer's clock: the wall clock shifted into the past while history is seeded."""

    def __init__(self, days_ago: int = 0) -> None:
        self.offset_ms = -days_ago * MS_PER_DAY

    def __call__(self) -> int:
        return int(time.time() * 1000) + self.offset_ms

    def days_ago(self, days: int) -> None:
        """Move the clock to ``days`` before now (never backwards: blocks keep their order)."""
        self.offset_ms = max(self.offset_ms, -days * MS_PER_DAY)


@dataclass
class Demo:
    """A running demo network: the node and the API platform over it."""

    folder: Path
    node: Node
    platform: Platform
    clock: DemoClock | None = None
    """Set when the demo owns the orderer's clock (then ``seed`` writes history)."""
    orderer: KeyPair | None = None
    """The orderer's key, to open the folder again (``Node.open``)."""

    def close(self) -> None:
        self.platform.close()
        self.node.close()


def start_network(folder: Path, config: NodeConfig | None = None) -> Demo:
    """A new embedded chain for the demo consortium, every org's admin key in the vault,
    and users ``admin`` (admin), ``operator`` and ``viewer`` in every organisation.

    Unless ``config`` brings its own clock, the orderer's clock starts
    ``HISTORY_DAYS`` in the past, for ``seed`` to write history.
    """
    config = config or NodeConfig(CutterConfig(max_wait_ms=2), verify_workers=0)
    clock = None
    if config.clock is None:
        clock = DemoClock(HISTORY_DAYS)
        config = dataclasses.replace(config, clock=clock)
    c = consortium_from_dict(consortium_doc(), config.clock() if config.clock else 0)
    node = Node.create(folder, c.genesis, c.orderer, config)
    node.start()
    platform = Platform(node, folder)
    for org_id, key in c.keys.items():
        platform.import_org_key(org_id, key)
        for username, role in (("admin", Role.ADMIN), ("operator", Role.OPERATOR),
                               ("viewer", Role.VIEWER)):
            platform.add_user(org_id, username, PASSWORD, role)
    return Demo(folder, node, platform, clock, c.orderer)


Seed = Iterator[int]
"""A module's part of the story, ``seed(builder)`` in its ``demo.py``: a generator that
first yields the day it starts at, in days before today, then each day it goes on at
(never an earlier one); ``seed`` runs every module's seed together in time order."""


@dataclass
class DemoBuilder:
    """What the modules' seeds act through: the network, its users, and the ids the story
    has so far (what ``seed`` returns; one seed's ids are there for the seeds that run
    after it, ``ids["invoices"]`` for the certificates)."""

    demo: Demo
    ids: dict[str, Any] = field(default_factory=dict)

    @property
    def history(self) -> bool:
        """Whether the story runs over the past (the demo owns the clock); when not, every
        day is today and seeds leave out what needs the past."""
        return self.demo.clock is not None

    @property
    def platform(self) -> Platform:
        return self.demo.platform

    @property
    def node(self) -> Node:
        return self.demo.node

    def at(self, days_ago: int) -> None:
        """Move the orderer's clock to ``days_ago`` (when the story has history)."""
        if self.demo.clock is not None:
            self.demo.clock.days_ago(days_ago)

    def caller(self, org: str, role: str = Role.OPERATOR) -> Caller:
        """``org``'s user ``operator``, or ``admin`` for the admin role."""
        return self.platform.caller(Account(
            org, "admin" if role == Role.ADMIN else "operator", role))

    def do(self, org: str, contract: str, action: str, args: dict[str, Any]) -> dict[str, Any]:
        """``org``'s operator submits an action (arguments as the API takes them) signed by
        the organisation's custodial key and waits for its receipt; a failure raises."""
        p = self.platform
        ledger = p.ledger_args(contract, action, args)
        return p.raise_for(p.submit_custodial(self.caller(org), contract, action, ledger, True))

    def propose(self, org: str, contract: str, action: str, args: dict[str, Any],
                cosigners: list[str], role: str = Role.OPERATOR) -> str:
        """``org`` proposes an action the ``cosigners`` must approve; the proposal's id."""
        doc = self.platform.propose(self.caller(org, role), contract, action, args, cosigners)
        return str(doc["id"])

    def approve(self, org: str, proposal: str, role: str = Role.OPERATOR) -> None:
        """``org`` approves ``proposal`` as a co-signer (the last approval submits it)."""
        self.platform.approve(self.caller(org, role), proposal)


def day(days_from_today: int) -> str:
    """The ISO date ``days_from_today`` days from today (negative: in the past)."""
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days_from_today)).isoformat()


def run_in_time_order(seeds: list[Seed], at: Callable[[int], None]) -> None:
    """Run ``seeds`` together, the earliest day first, seeds due the same day in the order
    given; ``at`` moves the clock to the day before the seed due on it goes on."""
    waiting = [(-days_ago, i) for i, s in enumerate(seeds)
               if (days_ago := next(s, None)) is not None]
    heapq.heapify(waiting)
    while waiting:
        minus_today, i = heapq.heappop(waiting)
        at(-minus_today)
        later = next(seeds[i], None)
        if later is not None:
            if -later < minus_today:
                raise ValueError(f"demo seed {i}: back from {-minus_today} to {later} days ago")
            heapq.heappush(waiting, (-later, i))


def seed(demo: Demo) -> dict[str, Any]:
    """Run the demo story, every module's part of it; returns the ids a tour (or a test)
    needs."""
    builder = DemoBuilder(demo)
    run_in_time_order([part.seed(builder) for _, part in parts.each("demo")], builder.at)
    demo.platform.index.wait_for(demo.node.height())
    return builder.ids


def build_demo(folder: Path | None = None, config: NodeConfig | None = None
               ) -> tuple[Demo, dict[str, Any]]:
    """Start the demo network in ``folder`` (a new temporary one by default) and seed it."""
    folder = folder or Path(tempfile.mkdtemp(prefix="smechain-demo-"))
    demo = start_network(folder, config)
    try:
        return demo, seed(demo)
    except BaseException:
        demo.close()
        raise
