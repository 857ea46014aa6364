"""Properties of random loan books across banks and SMEs (Hypothesis, through the executor).

A plan is a list of steps — applications (unsecured, on an IP right, on an export
record), decisions, IP pledges (one or two in a block), pledge releases, disbursements,
repayments, prepayments, export attestations and days passing — played on a fresh
``Chain`` with two banks and three SMEs. Most steps pick a loan in the status its action
needs; some pick any loan, so refusals are played too. After every block:

(a) an IP right backs at most one registered pledge, the one the right's key names, and a
    disbursed loan a registered pledge secures is within the pledged value;
(b) what is lent against an export record — principal disbursed and not repaid, all
    banks — is within its value, and for every such loan, what is still lent of the loans
    disbursed up to it (itself included) is within the record's value × its share
    (``export_share_bp``): the limit its disbursement was checked against. (Not the
    later ones: a bank that sets a larger share may lend past an earlier lender's smaller
    one — Hypothesis found that when this property said "all of them".)
(c) for every disbursed loan, the principal paid (the repayments' and prepayments'
    events) plus the principal outstanding is the principal disbursed; and cash is
    conserved: the supply is what was issued and the sum of the balances.

``test_a_broken_export_limit_is_caught`` plays the same plans with the export-share check
taken out of the contract and expects (b) to fail.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from smechain.core.daycount import DayCount, block_day, date_of
from smechain.core.encoding import decode
from smechain.modules.cash.contract import BALANCE_PREFIX
from smechain.modules.loan import balance
from smechain.modules.loan import contract as loan_contract
from smechain.modules.loan.contract import (
    BasisKind,
    ExportRecord,
    Loan,
    Pledge,
    PledgeStatus,
    Status,
    right_key,
)
from smechain.modules.loan.schedule import Style

from ..conftest import Chain, block_timestamp
from .conftest import DAY_MS, Loans, digest

BANKS = ("bank-a", "bank-c")
SMES = ("sme-1", "sme-2", "sme-3")
RIGHTS = (("patent", "ZL2023100001.1"), ("patent", "ZL2023100002.2"),
          ("trademark", "TM12345678"))
EXPORT_VALUE = 100_000_000
SHARES = (2_000, 3_000, 5_000)
AMOUNTS = (3_000_000, 8_000_000, 12_000_000, 20_000_000, 30_000_000)
ISSUED = {"bank-a": 10**12, "bank-c": 10**12, "sme-1": 10**9, "sme-2": 10**9,
          "sme-3": 10**9}
LIVE = {Status.ACTIVE, Status.OVERDUE}

index = st.integers(0, 50)
pick = st.tuples(st.sampled_from((True, True, True, False)), index)
"""``(fitting, i)``: the i-th loan (modulo) among those the action fits, or among all."""
apply = st.tuples(st.just("apply"), st.sampled_from(SMES), st.sampled_from(BANKS),
                 st.sampled_from(("unsecured", "ip", "export", "export")),
                 st.integers(0, len(RIGHTS) - 1), st.sampled_from(AMOUNTS))
decide = st.tuples(st.just("decide"), pick, st.integers(0, 4), st.sampled_from((1, 2)),
                   st.sampled_from(SHARES), st.sampled_from(list(Style)),
                   st.sampled_from(list(DayCount)))
advance = st.tuples(st.just("advance"), index, st.sampled_from(SHARES),
                    st.sampled_from(list(Style)), st.sampled_from(list(DayCount)),
                    st.sampled_from((1, 2, 4)), st.sampled_from((0, 2, 3)))
step = st.one_of(
    apply, apply, apply, advance, advance, advance, advance, decide,
    st.tuples(st.just("pledge"), pick, st.sampled_from((1, 2, 4)), st.booleans()),
    st.tuples(st.just("pledge_two"), index, index),
    st.tuples(st.just("release"), index),
    st.tuples(st.just("disburse"), pick),
    st.tuples(st.just("disburse"), pick),
    st.tuples(st.just("repay"), pick, st.sampled_from(("one", "half", "all", "over"))),
    st.tuples(st.just("prepay"), pick, st.sampled_from((0, 2, 3))),
    st.tuples(st.just("attest"), st.sampled_from(SMES), st.sampled_from(BANKS)),
    st.tuples(st.just("days"), st.integers(1, 45)),
)
plans = st.lists(step, min_size=30, max_size=100)


@dataclass
class Book:
    """The chain, what the plan created, and the principal paid seen in events."""

    loans: Loans
    consents: dict[tuple[str, str], str]
    scores: dict[tuple[str, str], str]
    records: dict[str, list[str]]
    ids: list[str] = field(default_factory=list)
    pledges: list[str] = field(default_factory=list)
    paid: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def chain(self) -> Chain:
        return self.loans.chain

    def today(self) -> int:
        chain = self.chain
        return block_day(block_timestamp(chain.height + 1) + chain.days_later * DAY_MS)

    def run(self, *txs: bytes) -> None:
        for receipt in self.chain.run(*txs):
            for ev in receipt.events:
                if ev.name in ("LoanRepayment", "LoanPrepaid"):
                    self.paid[str(ev.attrs["id"])] += int(ev.attrs["principal"])
                elif ev.name == "LoanApplied":
                    self.ids.append(str(ev.attrs["id"]))
                elif ev.name == "IpPledged":
                    self.pledges.append(str(ev.attrs["pledge"]))
                elif ev.name == "ExportAttested":
                    self.records[str(ev.attrs["sme"])].append(
                        str(ev.attrs["export_record"]))

    def all_loans(self) -> list[Loan]:
        return [self.loans.loan(i) for i in self.ids]

    def choose(self, choice: tuple[bool, int], statuses: set[Status]) -> Loan | None:
        loans = self.all_loans()
        fitting = [loan for loan in loans if loan.status in statuses]
        pool = fitting if choice[0] and fitting else loans
        return pool[choice[1] % len(pool)] if pool else None


def _attest(book: Book, sme: str, bank: str) -> bytes:
    return book.loans.tx("attest_export", {
        "sme": sme, "consent_id": book.consents[sme, bank], "currency": "CNY",
        "value": EXPORT_VALUE, "period_end": date_of(book.today() - 1),
        "digest": digest(f"{sme} declarations")}, "customs-sh")


def open_book() -> Book:
    """Two banks with scorecards and cash, three SMEs with cash, a consent of each SME to
    each bank (tax, IP, customs) with a score under it, an export record of each SME."""
    chain = Chain()
    loans = Loans(chain)
    chain.ok(*(chain.issue(org, amount) for org, amount in ISSUED.items()))
    pairs = [(s, b) for s in SMES for b in BANKS]
    receipts = chain.ok(*(chain.tx("consent", "grant", {
        "bank": b, "categories": ["tax", "ip", "customs"], "purpose": "credit_assessment",
        "until_ms": block_timestamp(chain.height + 1) + 1_000 * DAY_MS}, chain.key(s))
        for s, b in pairs))
    consents = {p: str(r.events[-1].attrs["id"]) for p, r in zip(pairs, receipts, strict=True)}
    receipts = chain.ok(*(chain.tx("credit", "attest", {
        "consent_id": consents[s, b], "model_version": "loan-test-1" + ("c" if b == "bank-c"
                                                                       else ""),
        "category": "", "input_digests": [digest("in")], "result_digest": digest("report"),
        "kind": "score"}, chain.key(b)) for s, b in pairs))
    scores = {p: str(r.events[-1].attrs["id"]) for p, r in zip(pairs, receipts, strict=True)}
    book = Book(loans, consents, scores, defaultdict(list))
    book.run(*(_attest(book, s, "bank-a") for s in SMES))
    return book


def play(book: Book, action: tuple[Any, ...]) -> None:
    """Submit one step's transactions as a block (nothing, when it has no loan to act on)."""
    loans, kind = book.loans, action[0]
    if kind == "advance":
        follow = _next_step(book, action)
        if follow is not None:
            play(book, follow)
    elif kind == "apply":
        _, sme, bank, basis_kind, right, amount = action
        basis: dict[str, str] = {"kind": "unsecured"}
        if basis_kind == "ip":
            basis = {"kind": "ip_pledge", "right_kind": RIGHTS[right][0],
                     "registration_number": RIGHTS[right][1]}
        elif basis_kind == "export" and book.records[sme]:
            records = book.records[sme]
            basis = {"kind": "export_record", "export_record": records[right % len(records)]}
        book.run(loans.apply_tx(book.consents[sme, bank], sme, bank, amount, basis=basis,
                                term_months=6))
    elif kind == "decide":
        _, choice, approve, divide, share, style, day_count = action
        loan = book.choose(choice, {Status.APPLIED})
        if loan is None:
            return
        args: dict[str, Any] = {"id": loan.id, "approve": approve > 0, "band": "B",
                                "reason_codes": ["TAX_LOW"],
                                "attestation_id": book.scores[loan.sme, loan.bank]}
        if approve:
            args["terms"] = loans.terms(amount=loan.amount // divide, term_months=6,
                                        style=style, day_count=day_count,
                                        export_share_bp=share)
        book.run(loans.tx("decide", args, loan.bank))
    elif kind == "pledge":
        _, choice, times, wrong = action
        loan = book.choose(choice, {Status.APPLIED, Status.APPROVED})
        if loan is not None:
            book.run(_pledge(book, loan, times, wrong))
    elif kind == "pledge_two":
        waiting = [loan for loan in book.all_loans() if loan.basis.kind is BasisKind.IP_PLEDGE
                   and loan.status in (Status.APPLIED, Status.APPROVED)]
        if waiting:
            book.run(*(_pledge(book, waiting[i % len(waiting)], 2, False)
                       for i in action[1:]))
    elif kind == "release" and book.pledges:
        pledge = loans.pledge(book.pledges[action[1] % len(book.pledges)])
        book.run(loans.tx("release_pledge", {"id": pledge.id}, pledge.bank))
    elif kind == "disburse":
        loan = book.choose(action[1], {Status.APPROVED})
        if loan is not None:
            book.run(loans.tx("disburse", {"id": loan.id}, loan.bank))
    elif kind == "repay":
        loan = book.choose(action[1], LIVE)
        if loan is not None:
            owed = (loan.penalty_accrued - loan.penalty_paid
                    + balance.arrears(loan.schedule, book.today()))
            amount = {"one": 1, "half": owed // 2, "all": owed, "over": owed + 1}[action[2]]
            book.run(loans.tx("repay", {"id": loan.id, "amount": max(amount, 1)}, loan.sme))
    elif kind == "prepay":
        loan = book.choose(action[1], {Status.ACTIVE})
        if loan is not None:
            part = action[2] and balance.outstanding_principal(loan.schedule) // action[2]
            book.run(loans.tx("repay_early", {"id": loan.id, "principal": part}, loan.sme))
    elif kind == "attest":
        book.run(_attest(book, action[1], action[2]))
    elif kind == "days":
        book.chain.days_later += action[1]


def _next_step(book: Book, action: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The step that takes one open loan (the ``action[1]``-th, modulo) a step further:
    decide, pledge its right, disburse, let 31 days pass, repay what is due, or prepay."""
    _, i, share, style, day_count, times, part = action
    open_loans = [loan for loan in book.all_loans()
                  if loan.status in (Status.APPLIED, Status.APPROVED, *LIVE)]
    if not open_loans:
        return None
    loan = open_loans[i % len(open_loans)]
    position = (True, [x.id for x in book.all_loans()
                       if x.status == loan.status].index(loan.id))
    waits_for_pledge = loan.basis.kind is BasisKind.IP_PLEDGE and not loan.pledge
    if loan.status == Status.APPLIED and not (waits_for_pledge and times == 4):
        return ("decide", position, 1, 1, share, style, day_count)
    if waits_for_pledge:
        return ("pledge", position, times, False)
    if loan.status == Status.APPROVED:
        return ("disburse", position)
    if balance.arrears(loan.schedule, book.today()) or loan.status == Status.OVERDUE:
        return ("repay", position, "all")
    return ("prepay", position, part) if i % 3 == 0 else ("days", 31)


def _pledge(book: Book, loan: Loan, times: int, wrong: bool) -> bytes:
    """The IP office pledges the loan's right (another number when ``wrong``), valued at
    the amount applied for × ``times`` / 2."""
    number = "ZL0000000000.0" if wrong else loan.basis.registration_number
    return book.loans.tx("pledge_ip", {
        "id": loan.id, "right_kind": loan.basis.right_kind or "patent",
        "registration_number": number, "value": loan.amount * times // 2}, "cnipa")


def check(book: Book) -> None:
    """Properties (a), (b) and (c) on the committed state."""
    chain = book.chain
    loans = {loan.id: loan for loan in book.all_loans()}
    pledges = [book.loans.pledge(p) for p in book.pledges]
    # (a) one registered pledge per right, and its disbursed loan within its value
    registered: dict[tuple[str, str], list[Pledge]] = defaultdict(list)
    for pledge in pledges:
        if pledge.status == PledgeStatus.REGISTERED:
            registered[pledge.right_kind, pledge.registration_number].append(pledge)
            loan = loans[pledge.loan]
            if loan.disbursed_at_ms:
                assert loan.terms is not None and loan.terms.amount <= pledge.value, \
                    f"loan {loan.id} is above its pledge's value"
    for (kind, number), live in registered.items():
        assert len(live) == 1, f"{kind} {number} backs {len(live)} live pledges"
        raw = chain.store.get(right_key(kind, number))
        assert raw is not None and decode(raw, str) == live[0].id
    # (b) what is lent against each export record, across banks, within its value; and up
    # to each loan's disbursement, within that loan's bank's share of the value
    lent: dict[str, list[Loan]] = defaultdict(list)
    for loan in loans.values():
        if loan.basis.kind is BasisKind.EXPORT_RECORD and loan.status in LIVE:
            lent[loan.basis.export_record].append(loan)
    for record_id, against in lent.items():
        raw = chain.store.get(loan_contract.export_key(record_id))
        assert raw is not None
        record = decode(raw, ExportRecord)
        total = sum(balance.outstanding_principal(loan.schedule) for loan in against)
        assert total <= record.value, (f"export record {record_id}: {total} lent across "
                                       f"banks passes its value {record.value}")
        for loan in against:  # one disbursement per block: the times order them
            assert loan.terms is not None
            cap = record.value * loan.terms.export_share_bp // 10_000
            upto = sum(balance.outstanding_principal(other.schedule) for other in against
                       if other.disbursed_at_ms <= loan.disbursed_at_ms)
            assert upto <= cap, (f"loan {loan.id}: {upto} lent across banks passes its "
                                 f"bank's share {loan.terms.export_share_bp} bp of "
                                 f"{record.value}")
        assert record.lent == total
    # (c) principal paid + outstanding = principal; cash conserved
    for loan in loans.values():
        if loan.disbursed_at_ms:
            assert loan.terms is not None
            outstanding = balance.outstanding_principal(loan.schedule)
            assert book.paid[loan.id] + outstanding == loan.terms.amount, loan.id
            assert (loan.status == Status.REPAID) == (outstanding == 0)
    held = sum(decode(raw, int) for _, raw, _ in chain.store.iter_state(BALANCE_PREFIX + "CNY/"))
    assert chain.supply("CNY") == sum(ISSUED.values()) == held


def check_plan(plan: list[tuple[Any, ...]]) -> None:
    book = open_book()
    for action in plan:
        play(book, action)
        check(book)
    # What the plan reached (``--hypothesis-show-statistics``).
    lent: dict[str, int] = defaultdict(int)
    for loan in book.all_loans():
        if loan.disbursed_at_ms:
            event(f"disbursed {loan.basis.kind}")
            lent[loan.basis.export_record] += loan.basis.kind is BasisKind.EXPORT_RECORD
        if loan.prepaid_principal:
            event("prepaid")
        if loan.status == Status.REPAID:
            event("repaid")
        if any(i.principal_paid for i in loan.schedule):
            event("repaid an instalment's principal")
    if max(lent.values(), default=0) > 1:
        event("two or more loans disbursed against one export record")


PROPERTY = settings(max_examples=300, deadline=None,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(plans)
def test_loan_book_properties(plan: list[tuple[Any, ...]]) -> None:
    check_plan(plan)


def test_a_broken_export_limit_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def unchecked(state: Any, loan: Loan, terms: Any, field: str) -> ExportRecord:
        return loan_contract._read_export(state, loan.basis.export_record, "id")

    monkeypatch.setattr(loan_contract, "_check_export_share", unchecked)
    search = settings(PROPERTY, max_examples=200, derandomize=True, database=None,
                      phases=[Phase.generate], report_multiple_bugs=False)(given(plans)(check_plan))
    with pytest.raises(AssertionError, match="lent across banks passes"):
        search()


def test_a_plan_played_by_hand() -> None:
    """One export record (1,000,000.00), two banks: bank-a lends 20% at a 30% share, then
    bank-c 20% at a 50% share — 40% across banks, within bank-c's 50% — and a second loan
    of bank-a's is refused at disbursement: with bank-c's it would make 60% lent, past
    bank-a's own 30%."""
    book = open_book()
    record = book.records["sme-1"][0]
    for bank in (*BANKS, "bank-a"):
        book.run(book.loans.apply_tx(book.consents["sme-1", bank], "sme-1", bank, 20_000_000,
                                     basis={"kind": "export_record", "export_record": record}))
    first, second, third = book.ids
    for share in (3_000, 5_000, 3_000):  # first, second, third
        play(book, ("decide", (True, 0), 1, 1, share, Style.EQUAL_INSTALMENTS,
                    DayCount.ACT_360))
        check(book)
    for _ in range(3):
        play(book, ("disburse", (True, 0)))
        check(book)
    assert [book.loans.loan(i).status for i in (first, second, third)] == [
        Status.ACTIVE, Status.ACTIVE, Status.APPROVED]
    assert book.loans.export(record).lent == 40_000_000
    refused = book.chain.expect_failed(book.loans.tx("disburse", {"id": third}, "bank-a"),
                                       "conflict")
    assert refused.field == "id" and "across banks" in refused.message
