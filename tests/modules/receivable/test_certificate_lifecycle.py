"""Debt certificates under random lifecycles: a Hypothesis state machine over the pure
contracts (``Chain`` runs each step as a block through the executor, no node).

Invoices are anchored and financed (whole or in part, more than once), certificates are
confirmed or disputed, split, passed down, sold for cash, guaranteed for a fee, settled at
maturity, marked overdue and claimed, while the clock moves forward. After every step,
read from the ledger's state alone:

- the undivided parts of every certificate sum to its face value;
- cash is conserved: the balances sum to the supply, which only issuance changes;
- no invoice is financed beyond its amount due, and what is financed is exactly the face
  of the certificates on it that were not disputed;

and the ledger agrees with a model of what each step should have done (holders, statuses,
guarantors, balances). Steps the contract must refuse are tried too, and must change
nothing but the sender's nonce.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from smechain.core.daycount import MS_PER_DAY, DayCount, accrued, block_day
from smechain.core.encoding import decode
from smechain.modules.cash.contract import BALANCE_PREFIX
from smechain.modules.invoice.contract import INVOICE_PREFIX, Invoice, invoice_id
from smechain.modules.receivable.contract import CERT_PREFIX, GRACE_DAYS, Certificate, Status

from ..conftest import SUITE, Chain, block_timestamp

SELLER_TAX, DEBTOR_TAX = "USCC:91440300MA5F000108", "USCC:91110000MA0CX00102"
CODE = "044031900111"
HOLDERS = ("sme-1", "sme-2", "sme-3", "sme-4", "core-a", "bank-a", "factor-a")
"""Who may come to hold a certificate (passed down, or sold to)."""
BUYERS = ("bank-a", "factor-a")
FUNDING = {"core-a": 10**11, "bank-a": 10**11, "factor-a": 10**11, "sme-1": 10**7,
           "sme-2": 10**7, "sme-3": 10**7, "sme-4": 10**7, "guar": 10**11}
MAX_INVOICES, MAX_CERTIFICATES = 3, 8
"""Few invoices and certificates, so runs spend their steps on what becomes of them."""
EPOCH = dt.date(1970, 1, 1)


def iso(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()


@dataclass
class Cert:
    """The model's view of a certificate or part."""

    face: int
    holder: str
    status: str
    maturity: int
    """Its day number."""
    invoice: str
    recourse_to: str = ""
    guarantor: str = ""


class CertificateLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.chain = Chain()
        tax = self.chain.key("tax")
        self.chain.ok(
            self.chain.tx("invoice", "register_party", {"identifier": SELLER_TAX,
                                                        "org": "sme-1"}, tax),
            self.chain.tx("invoice", "register_party", {"identifier": DEBTOR_TAX,
                                                        "org": "core-a"}, tax),
            *(self.chain.issue(org, amount) for org, amount in FUNDING.items()))
        self.issued = sum(FUNDING.values())
        self.balances = dict(FUNDING)
        self.certs: dict[str, Cert] = {}
        self.invoices: dict[str, int] = {}
        """Invoice id -> total (its amount due)."""
        self.financed: dict[str, int] = {}
        self.numbers = 0

    # --- helpers --------------------------------------------------------------

    def today(self) -> int:
        """The day number of the next block."""
        chain = self.chain
        return block_day(block_timestamp(chain.height + 1) + chain.days_later * MS_PER_DAY)

    def ok(self, contract: str, action: str, args: dict[str, object], *orgs: str) -> None:
        self.chain.ok(self.chain.tx(contract, action, args,
                                    [self.chain.key(org) for org in orgs]))

    def refused(self, code: str, contract: str, action: str, args: dict[str, object],
                *orgs: str) -> None:
        self.chain.expect_failed(self.chain.tx(contract, action, args,
                                               [self.chain.key(org) for org in orgs]), code)

    def pay(self, payer: str, payee: str, amount: int) -> None:
        self.balances[payer] -= amount
        self.balances[payee] = self.balances.get(payee, 0) + amount

    def where(self, *statuses: str) -> list[str]:
        """Certificates in one of ``statuses``, in the order they came to be (their ids
        hash transactions signed by keys new to each run, so sorting them would not
        replay)."""
        return [c for c, cert in self.certs.items() if cert.status in statuses]

    # --- rules ----------------------------------------------------------------

    @precondition(lambda self: len(self.invoices) < MAX_INVOICES)
    @rule(total=st.integers(2, 10_000_000), data=st.data())
    def anchor_and_issue(self, total: int, data: st.DataObject) -> None:
        """Tax anchors an invoice from sme-1 to core-a; sme-1 asks for a certificate on part
        or all of it."""
        self.numbers += 1
        number = f"{self.numbers:08d}"
        net = total * 100 // 113
        self.ok("invoice", "anchor", {
            "code": CODE, "number": number, "seller": SELLER_TAX, "buyer": DEBTOR_TAX,
            "currency": "CNY", "net_amount": net, "tax_amount": total - net,
            "total_amount": total, "issue_date": "2023-11-01",
            "digest": SUITE.hash(number.encode())}, "tax")
        inv = invoice_id(SELLER_TAX, CODE, number)
        self.invoices[inv] = total
        self.financed[inv] = 0
        self.issue_on(inv, data)

    @precondition(lambda self: len(self.certs) < MAX_CERTIFICATES
                  and any(self.financed[i] < t for i, t in self.invoices.items()))
    @rule(data=st.data())
    def issue_on_the_rest(self, data: st.DataObject) -> None:
        """Another certificate on what an invoice has left unfinanced."""
        inv = data.draw(st.sampled_from(sorted(
            i for i, t in self.invoices.items() if self.financed[i] < t)))
        self.issue_on(inv, data)

    def issue_on(self, inv: str, data: st.DataObject) -> None:
        left = self.invoices[inv] - self.financed[inv]
        amount = data.draw(st.one_of(st.just(left), st.integers(1, left)), label="amount")
        maturity = self.today() + data.draw(st.integers(1, 40), label="days")
        (receipt,) = self.chain.ok(self.chain.tx("receivable", "issue", {
            "invoices": [[inv, amount]], "debtor": "core-a", "currency": "CNY",
            "maturity": iso(maturity)}, self.chain.key("sme-1")))
        cert_id = str(receipt.events[-1].attrs["id"])
        self.certs[cert_id] = Cert(amount, "sme-1", Status.REQUESTED, maturity, inv)
        self.financed[inv] += amount

    @precondition(lambda self: any(self.financed[i] > 0 for i in self.invoices))
    @rule(data=st.data())
    def financing_beyond_the_amount_due_is_refused(self, data: st.DataObject) -> None:
        inv = data.draw(st.sampled_from(sorted(i for i in self.invoices if self.financed[i])))
        extra = self.invoices[inv] - self.financed[inv] + data.draw(st.integers(1, 1000))
        self.refused("conflict", "receivable", "issue", {
            "invoices": [[inv, extra]], "debtor": "core-a", "currency": "CNY",
            "maturity": iso(self.today() + 30)}, "sme-1")

    @precondition(lambda self: self.where(Status.REQUESTED))
    @rule(data=st.data(), accept=st.sampled_from([True, True, True, False]))
    def confirm_or_dispute(self, data: st.DataObject, accept: bool) -> None:
        cert_id = data.draw(st.sampled_from(self.where(Status.REQUESTED)))
        cert = self.certs[cert_id]
        if accept:
            self.ok("receivable", "confirm", {"id": cert_id}, "core-a")
            cert.status = Status.CONFIRMED
        else:
            self.ok("receivable", "dispute", {"id": cert_id, "reason": "short delivery"},
                    "core-a")
            cert.status = Status.DISPUTED
            self.financed[cert.invoice] -= cert.face

    @precondition(lambda self: any(c.face >= 2 for c in self.certs.values()
                                   if c.status == Status.CONFIRMED))
    @rule(data=st.data())
    def split(self, data: st.DataObject) -> None:
        cert_id = data.draw(st.sampled_from([c for c in self.where(Status.CONFIRMED)
                                             if self.certs[c].face >= 2]))
        cert = self.certs[cert_id]
        count = data.draw(st.integers(2, min(5, cert.face)), label="parts")
        cuts = sorted(data.draw(st.sets(st.integers(1, cert.face - 1), min_size=count - 1,
                                        max_size=count - 1), label="cuts"))
        amounts = [b - a for a, b in zip([0, *cuts], [*cuts, cert.face], strict=True)]
        wrong = [*amounts[:-1], amounts[-1] + 1]
        self.refused("bad_args", "receivable", "split", {"id": cert_id, "amounts": wrong},
                     cert.holder)
        self.ok("receivable", "split", {"id": cert_id, "amounts": amounts}, cert.holder)
        cert.status = Status.SPLIT
        for i, amount in enumerate(amounts, start=1):
            self.certs[f"{cert_id}.{i}"] = Cert(
                amount, cert.holder, Status.CONFIRMED, cert.maturity, cert.invoice,
                cert.recourse_to, cert.guarantor)

    @precondition(lambda self: self.where(Status.CONFIRMED))
    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        cert_id = data.draw(st.sampled_from(self.where(Status.CONFIRMED)))
        cert = self.certs[cert_id]
        to = data.draw(st.sampled_from([h for h in HOLDERS if h != cert.holder]))
        self.ok("receivable", "transfer", {"id": cert_id, "to": to}, cert.holder)
        cert.holder, cert.recourse_to = to, ""

    @precondition(lambda self: any(c.maturity > self.today() for c in self.certs.values()
                                   if c.status == Status.CONFIRMED))
    @rule(data=st.data(), discount_rate_bp=st.integers(0, 3000),
          day_count=st.sampled_from(list(DayCount)), recourse=st.booleans())
    def sell(self, data: st.DataObject, discount_rate_bp: int, day_count: DayCount,
             recourse: bool) -> None:
        today = self.today()
        cert_id = data.draw(st.sampled_from([c for c in self.where(Status.CONFIRMED)
                                             if self.certs[c].maturity > today]))
        cert = self.certs[cert_id]
        buyer = data.draw(st.sampled_from([b for b in BUYERS if b != cert.holder]))
        # 30% a year over at most 40 days never takes the whole face
        price = cert.face - accrued(cert.face, discount_rate_bp, today, cert.maturity, day_count)
        self.ok("receivable", "sell", {"id": cert_id, "buyer": buyer,
                                       "discount_rate_bp": discount_rate_bp,
                                       "day_count": day_count.value, "recourse": recourse},
                cert.holder, buyer)
        self.pay(buyer, cert.holder, price)
        cert.holder, cert.recourse_to = buyer, cert.holder if recourse else ""

    @precondition(lambda self: any(not c.guarantor for c in self.certs.values()
                                   if c.status == Status.CONFIRMED))
    @rule(data=st.data(), fee=st.integers(0, 100_000))
    def guarantee(self, data: st.DataObject, fee: int) -> None:
        cert_id = data.draw(st.sampled_from([c for c in self.where(Status.CONFIRMED)
                                             if not self.certs[c].guarantor]))
        cert = self.certs[cert_id]
        self.ok("receivable", "guarantee", {"id": cert_id, "guarantor": "guar", "fee": fee},
                cert.holder, "guar")
        self.pay(cert.holder, "guar", fee)
        cert.guarantor = "guar"

    @rule(days=st.integers(1, 45))
    def time_passes(self, days: int) -> None:
        self.chain.days_later += days

    @precondition(lambda self: self.where(Status.CONFIRMED, Status.OVERDUE))
    @rule(data=st.data())
    def settle(self, data: st.DataObject) -> None:
        """The debtor pays the holder from maturity on; before, it is refused."""
        cert_id = data.draw(st.sampled_from(self.where(Status.CONFIRMED, Status.OVERDUE)))
        cert = self.certs[cert_id]
        if self.today() < cert.maturity:
            self.refused("conflict", "receivable", "settle", {"id": cert_id}, "core-a")
            return
        self.ok("receivable", "settle", {"id": cert_id}, "core-a")
        if cert.holder != "core-a":
            self.pay("core-a", cert.holder, cert.face)
        cert.status = Status.SETTLED

    @precondition(lambda self: any(self.today() > c.maturity + GRACE_DAYS
                                   for c in self.certs.values()
                                   if c.status == Status.CONFIRMED))
    @rule(data=st.data())
    def mark_overdue(self, data: st.DataObject) -> None:
        today = self.today()
        cert_id = data.draw(st.sampled_from([c for c in self.where(Status.CONFIRMED)
                                             if today > self.certs[c].maturity + GRACE_DAYS]))
        cert = self.certs[cert_id]
        self.ok("receivable", "mark_overdue", {"id": cert_id}, cert.holder)
        cert.status = Status.OVERDUE

    def claimable(self) -> list[tuple[str, str]]:
        out = []
        for cert_id in self.where(Status.OVERDUE):
            cert = self.certs[cert_id]
            for source, payer in (("recourse", cert.recourse_to),
                                  ("guarantor", cert.guarantor)):
                if payer and self.balances.get(payer, 0) >= cert.face:
                    out.append((cert_id, source))
        return out

    @precondition(lambda self: self.claimable())
    @rule(data=st.data())
    def claim(self, data: st.DataObject) -> None:
        cert_id, source = data.draw(st.sampled_from(self.claimable()))
        cert = self.certs[cert_id]
        self.ok("receivable", "claim", {"id": cert_id, "source": source}, cert.holder)
        self.pay(cert.recourse_to if source == "recourse" else cert.guarantor, cert.holder,
                 cert.face)
        cert.status = Status.CLAIMED

    @rule(org=st.sampled_from(sorted(FUNDING)), amount=st.integers(1, 10**9))
    def issue_cash(self, org: str, amount: int) -> None:
        self.ok("cash", "issue", {"currency": "CNY", "to": org, "amount": amount}, "pboc")
        self.issued += amount
        self.balances[org] += amount

    # --- invariants, read from the ledger's state -----------------------------

    def ledger_certs(self) -> dict[str, Certificate]:
        return {key.removeprefix(CERT_PREFIX): decode(value, Certificate)
                for key, value, _ in self.chain.store.iter_state(CERT_PREFIX)}

    @invariant()
    def undivided_parts_sum_to_the_face_value(self) -> None:
        certs = self.ledger_certs()
        for cert_id, cert in certs.items():
            if cert.status != Status.SPLIT:
                continue
            parts = [c for c in certs.values() if c.parent == cert_id]
            assert parts and sum(p.face for p in parts) == cert.face, cert_id
        for root in (c for c in certs.values() if not c.parent):
            leaves = [c for c in certs.values()
                      if c.root == root.id and c.status != Status.SPLIT]
            assert sum(c.face for c in leaves) == root.face, root.id

    @invariant()
    def cash_is_conserved(self) -> None:
        held = sum(decode(value, int) for _, value, _ in
                   self.chain.store.iter_state(BALANCE_PREFIX))
        assert held == self.chain.supply("CNY") == self.issued

    @invariant()
    def no_invoice_is_financed_beyond_its_amount_due(self) -> None:
        certs = self.ledger_certs()
        for key, value, _ in self.chain.store.iter_state(INVOICE_PREFIX):
            inv = decode(value, Invoice)
            assert 0 <= inv.financed <= inv.amount_due, key
            backing = sum(b.amount for c in certs.values() if c.status != Status.DISPUTED
                          for b in c.invoices if b.invoice == key.removeprefix(INVOICE_PREFIX))
            assert inv.financed == backing, key

    @invariant()
    def the_ledger_did_what_each_step_should(self) -> None:
        certs = self.ledger_certs()
        assert set(certs) == set(self.certs)
        for cert_id, cert in certs.items():
            want = self.certs[cert_id]
            assert (cert.face, cert.holder, cert.status, cert.recourse_to, cert.guarantor,
                    cert.maturity) == (want.face, want.holder, want.status, want.recourse_to,
                                       want.guarantor, iso(want.maturity)), cert_id
        for org, amount in self.balances.items():
            assert self.chain.balance("CNY", org) == amount, org


CertificateLifecycle.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_certificate_lifecycle = CertificateLifecycle.TestCase
