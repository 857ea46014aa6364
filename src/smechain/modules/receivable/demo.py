"""The certificates' part of the demo, on the invoices anchored 120 days ago:

- 115 days ago tier 1 gets a certificate confirmed (due 8 days ago), pays tier 2 with a
  part and sells the other to Bank A; 70 days ago a second one (due 6 days ago) is sold
  whole to the factor with recourse; 5 days ago the core enterprise pays one due part
  and is late on the rest (``ids["due"]``: those left);
- 40 days ago a certificate (``ids["certificate"]``) is confirmed, split and passed down
  four tiers of suppliers; a part is sold to Bank A (``ids["sold_proposal"]``), another
  guaranteed; 10 days ago another is confirmed (``ids["second"]``);
- today: a request to confirm (``ids["requested"]``), offers to Bank A and the factor
  left open (``ids["offer_bank_a"]``, ``ids["offer_factor"]``), and a second financing of
  invoice 1 from tier 1's own system (non-custodial) that the ledger refuses
  (``ids["refused_tx"]``).

Without history (a clock the demo does not own) the certificates that need the past are
left out.
"""

from __future__ import annotations

from smechain.api.demo import DemoBuilder, Seed, day
from smechain.core.daycount import DayCount
from smechain.core.tx import sign_tx


def _issue(demo: DemoBuilder, invoice: str, amount: int, maturity_in_days: int) -> str:
    """Tier 1 asks the core enterprise to confirm a certificate on ``invoice``; its id."""
    result = demo.do("sme-t1", "receivable", "issue", {
        "invoices": [{"invoice": invoice, "amount": amount}], "debtor": "core-a",
        "currency": "CNY", "maturity": day(maturity_in_days)})
    return str(result["events"][-1]["attrs"]["id"])


def _sale(demo: DemoBuilder, seller: str, buyer: str, cert: str, discount_rate_bp: int,
          complete: bool) -> str:
    """``seller`` offers ``cert`` to ``buyer`` with recourse at ``discount_rate_bp`` a year
    on ACT/365F; ``complete``: the buyer accepts. The proposal's id."""
    args = {"id": cert, "buyer": buyer, "discount_rate_bp": discount_rate_bp,
            "day_count": DayCount.ACT_365F.value, "recourse": True}
    proposal = demo.propose(seller, "receivable", "sell", args, [buyer])
    if complete:
        demo.approve(buyer, proposal)
    return proposal


def seed(demo: DemoBuilder) -> Seed:
    """Issue, confirm, split, pass down, sell, guarantee and settle certificates (see
    ``smechain.api.demo.Seed``)."""
    yield 115
    invoices: list[str] = demo.ids["invoices"]
    due: list[str] = []
    if demo.history:
        # Certificates that have come due: one part paid, the rest late.
        old = _issue(demo, invoices[6], 150_000_000, -8)
        demo.do("core-a", "receivable", "confirm", {"id": old})
        demo.do("sme-t1", "receivable", "split", {"id": old,
                                                  "amounts": [60_000_000, 90_000_000]})
        demo.do("sme-t1", "receivable", "transfer", {"id": f"{old}.1", "to": "sme-t2"})
        yield 100
        _sale(demo, "sme-t1", "bank-a", f"{old}.2", 480, complete=True)
        yield 70
        late = _issue(demo, invoices[7], 90_000_000, -6)
        demo.do("core-a", "receivable", "confirm", {"id": late})
        yield 60
        _sale(demo, "sme-t1", "factor-x", late, 650, complete=True)
        due = [f"{old}.1", f"{old}.2", late]

    yield 40
    cert = _issue(demo, invoices[0], 300_000_000, 90)
    demo.do("core-a", "receivable", "confirm", {"id": cert})
    demo.do("sme-t1", "receivable", "split", {"id": cert,
                                              "amounts": [120_000_000, 180_000_000]})
    demo.do("sme-t1", "receivable", "transfer", {"id": f"{cert}.1", "to": "sme-t2"})
    yield 35
    demo.do("sme-t2", "receivable", "split", {"id": f"{cert}.1",
                                              "amounts": [70_000_000, 50_000_000]})
    demo.do("sme-t2", "receivable", "transfer", {"id": f"{cert}.1.1", "to": "sme-t3"})
    yield 30
    demo.do("sme-t3", "receivable", "split", {"id": f"{cert}.1.1",
                                              "amounts": [30_000_000, 40_000_000]})
    demo.do("sme-t3", "receivable", "transfer", {"id": f"{cert}.1.1.1", "to": "sme-t4"})
    yield 25
    sold = _sale(demo, "sme-t1", "bank-a", f"{cert}.2", 450, complete=True)
    yield 15
    guarantee = {"id": f"{cert}.1.1.2", "guarantor": "guar-g", "fee": 200_000}
    demo.approve("guar-g", demo.propose("sme-t3", "receivable", "guarantee", guarantee,
                                        ["guar-g"]))

    yield 10
    second = _issue(demo, invoices[1], 120_000_000, 120)
    demo.do("core-a", "receivable", "confirm", {"id": second})
    if due:
        yield 5
        demo.do("core-a", "receivable", "settle", {"id": due.pop(0)})
    yield 0
    open_bank = _sale(demo, "sme-t1", "bank-a", second, 420, complete=False)
    open_factor = _sale(demo, "sme-t2", "factor-x", f"{cert}.1.2", 600, complete=False)
    requested = _issue(demo, invoices[2], 85_000_000, 60)

    # Tier 1's own system tries to finance invoice 1 a second time: the ledger refuses it.
    platform, node = demo.platform, demo.node
    key = platform.accounts.key("user:sme-t1/operator")
    assert key is not None
    raw = sign_tx(node.chain_id, "receivable", "issue", {
        "invoices": [[invoices[0], 300_000_000]], "debtor": "core-a",
        "currency": "CNY", "maturity": day(90)}, [key], node.nonce(key.public) + 1)
    refused = platform.submit_raw(raw, True)
    assert not refused["ok"], refused
    demo.ids.update(certificate=cert, sold_proposal=sold, second=second, requested=requested,
                    offer_bank_a=open_bank, offer_factor=open_factor,
                    refused_tx=refused["tx_hash"], due=due)
