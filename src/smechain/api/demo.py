"""The demo consortium: an embedded network seeded through the API's own service layer.

A core enterprise, four tiers of suppliers, two banks, a factor, a guarantor,
a tax authority, a regulator and a cash issuer. Everything below happens as
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
- 40 days ago a certificate is confirmed, split and passed down four tiers of
  suppliers (the lineage tree); a part is sold to Bank A, another guaranteed;
- today: a request to confirm, offers to Bank A and the factor left open, a
  second financing of invoice 1 tried from tier 1's own system (non-custodial)
  and refused by the ledger, a voided invoice, and a factor admitted by two of
  the three governing admins.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smechain.api.accounts import Account, Role
from smechain.api.platform import Caller, Platform
from smechain.core.tx import sign_tx
from smechain.modules.invoice.contract import invoice_id
from smechain.node.consortium import consortium_from_dict
from smechain.node.keys import KeyPair, generate_key
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
    ("regulator", "Banking Regulator 金融监管", ["regulator"]),
    ("pboc", "Digital Cash Issuer 数字人民币", ["cash_issuer"]),
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


def _day(days_from_today: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days_from_today)).isoformat()


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


def seed(demo: Demo) -> dict[str, Any]:
    """Run the demo scenario; returns the ids a tour (or a test) needs."""
    p = demo.platform

    def when(days_ago: int) -> None:
        if demo.clock is not None:
            demo.clock.days_ago(days_ago)

    def as_(org: str, role: str = Role.OPERATOR) -> Caller:
        return p.caller(Account(org, "admin" if role == Role.ADMIN else "operator", role))

    def do(org: str, contract: str, action: str, args: dict[str, Any]) -> dict[str, Any]:
        ledger = p.ledger_args(contract, action, args)
        return p.raise_for(p.submit_custodial(as_(org), contract, action, ledger, True))

    def sale(seller: str, buyer: str, cert: str, rate_bp: int, complete: bool) -> str:
        args = {"id": cert, "buyer": buyer, "rate_bp": rate_bp, "basis": 365, "recourse": True}
        doc = p.propose(as_(seller), "receivable", "sell", args, [buyer])
        if complete:
            p.approve(as_(buyer), doc["id"])
        return str(doc["id"])

    def issue(inv: str, amount: int, maturity_in_days: int) -> str:
        result = do("sme-t1", "receivable", "issue", {
            "invoices": [{"invoice": inv, "amount": amount}], "debtor": "core-a",
            "currency": "CNY", "maturity": _day(maturity_in_days)})
        return str(result["events"][-1]["attrs"]["id"])

    history = demo.clock is not None
    when(HISTORY_DAYS)
    for org, amount in (("core-a", 5_000_000_000), ("bank-a", 2_000_000_000),
                        ("bank-b", 2_000_000_000), ("factor-x", 1_000_000_000),
                        ("sme-t3", 10_000_000)):
        do("pboc", "cash", "issue", {"currency": "CNY", "to": org, "amount": amount})
    for org, tax_id in TAX_IDS.items():
        do("tax-sh", "invoice", "register_party", {"identifier": tax_id, "org": org})
    invoices = []
    totals = (300_000_000, 120_000_000, 85_000_000, 64_000_000, 40_000_000, 22_600_000,
              150_000_000, 90_000_000)
    for n, total in enumerate(totals, start=1):
        net = total * 100 // 113
        number = f"2026{n:04d}"
        digest = hashlib.sha256(f"demo e-invoice {number}".encode()).digest()
        do("tax-sh", "invoice", "anchor", {
            "code": "031002600111", "number": number, "seller": TAX_IDS["sme-t1"],
            "buyer": TAX_IDS["core-a"], "currency": "CNY", "net_amount": net,
            "tax_amount": total - net, "total_amount": total,
            "issue_date": _day(-HISTORY_DAYS - 10 + n), "digest": digest.hex()})
        invoices.append(invoice_id(TAX_IDS["sme-t1"], "031002600111", number))

    due: list[str] = []
    if history:
        # Certificates that have come due: one part paid, the rest late.
        when(115)
        old = issue(invoices[6], 150_000_000, -8)
        do("core-a", "receivable", "confirm", {"id": old})
        do("sme-t1", "receivable", "split", {"id": old, "amounts": [60_000_000, 90_000_000]})
        do("sme-t1", "receivable", "transfer", {"id": f"{old}.1", "to": "sme-t2"})
        when(100)
        sale("sme-t1", "bank-a", f"{old}.2", 480, complete=True)
        when(70)
        late = issue(invoices[7], 90_000_000, -6)
        do("core-a", "receivable", "confirm", {"id": late})
        when(60)
        sale("sme-t1", "factor-x", late, 650, complete=True)
        due = [f"{old}.1", f"{old}.2", late]

    when(40)
    cert = issue(invoices[0], 300_000_000, 90)
    do("core-a", "receivable", "confirm", {"id": cert})
    do("sme-t1", "receivable", "split", {"id": cert, "amounts": [120_000_000, 180_000_000]})
    do("sme-t1", "receivable", "transfer", {"id": f"{cert}.1", "to": "sme-t2"})
    when(35)
    do("sme-t2", "receivable", "split", {"id": f"{cert}.1", "amounts": [70_000_000, 50_000_000]})
    do("sme-t2", "receivable", "transfer", {"id": f"{cert}.1.1", "to": "sme-t3"})
    when(30)
    do("sme-t3", "receivable", "split", {"id": f"{cert}.1.1", "amounts": [30_000_000,
                                                                         40_000_000]})
    do("sme-t3", "receivable", "transfer", {"id": f"{cert}.1.1.1", "to": "sme-t4"})
    when(25)
    sold = sale("sme-t1", "bank-a", f"{cert}.2", 450, complete=True)
    when(15)
    guarantee = {"id": f"{cert}.1.1.2", "guarantor": "guar-g", "fee": 200_000}
    p.approve(as_("guar-g"), p.propose(as_("sme-t3"), "receivable", "guarantee", guarantee,
                                       ["guar-g"])["id"])

    when(10)
    second = issue(invoices[1], 120_000_000, 120)
    do("core-a", "receivable", "confirm", {"id": second})
    if due:
        when(5)
        do("core-a", "receivable", "settle", {"id": due.pop(0)})
    when(0)
    open_bank = sale("sme-t1", "bank-a", second, 420, complete=False)
    open_factor = sale("sme-t2", "factor-x", f"{cert}.1.2", 600, complete=False)
    requested = issue(invoices[2], 85_000_000, 60)

    # Tier 1's own system tries to finance invoice 1 a second time: the ledger refuses it.
    key = p.accounts.key("user:sme-t1/operator")
    assert key is not None
    raw = sign_tx(demo.node.chain_id, "receivable", "issue", {
        "invoices": [[invoices[0], 300_000_000]], "debtor": "core-a",
        "currency": "CNY", "maturity": _day(90)}, [key], demo.node.nonce(key.public) + 1)
    refused = p.submit_raw(raw, True)
    assert not refused["ok"], refused
    do("tax-sh", "invoice", "void", {"invoice": invoices[5], "reason": "red-letter reissue"})
    # Goods returned against invoice 2, already financed in full: the credit note lowers
    # its amount due and the ledger records the shortfall as dilution for the holders.
    do("tax-sh", "invoice", "anchor", {
        "code": "031002600111", "number": "20269001", "type_code": "381",
        "preceding": "20260002", "seller": TAX_IDS["sme-t1"], "buyer": TAX_IDS["core-a"],
        "currency": "CNY", "net_amount": 5_309_735, "tax_amount": 690_265,
        "total_amount": 6_000_000, "issue_date": _day(-1),
        "digest": hashlib.sha256(b"demo credit note 20269001").hexdigest()})
    # Governance: admitting a new factor takes two of the three governing admins.
    newcomer = {"id": "factor-y", "name": "Factor Y 新保理", "roles": ["factor"],
                "admin_key": generate_key(demo.node.suite.name).public.hex()}
    vote = p.propose(as_("regulator", Role.ADMIN), "membership", "add_org", newcomer,
                     ["bank-a"])
    p.approve(as_("bank-a", Role.ADMIN), vote["id"])
    p.index.wait_for(demo.node.height())
    return {"certificate": cert, "sold_proposal": sold, "second": second,
            "requested": requested, "offer_bank_a": open_bank, "offer_factor": open_factor,
            "invoices": invoices, "refused_tx": refused["tx_hash"], "proposal_vote": vote["id"],
            "due": due}


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
