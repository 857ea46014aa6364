"""Warehouse receipts under random steps by random signers (a Hypothesis state machine
over the pure contract; ``Chain`` runs each step as a block through the executor).

At every height, read from the ledger's state:

- a receipt is pledged to at most one bank: it is ``pledged`` exactly when it names a
  pledgee, the pledgee holds the bank role, and a pledge never passes from one bank to
  another without being released or enforced in between;
- it moves only with the pledgee's consent: whenever its holder changes, either it was
  free and its holder sent the transfer, or its pledgee signed the transaction (a
  co-signed transfer, or its own enforcement);
- a delivered receipt never changes again, and a refused step changes nothing but the
  sender's nonce.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from smechain.core.encoding import decode
from smechain.modules.warehouse_receipt.contract import (
    RECEIPT_PREFIX,
    Receipt,
    Status,
)

from ..conftest import ORG_ROLES, Chain

ORGS = ("sme-1", "sme-2", "sme-3", "bank-a", "bank-c", "factor-a", "wh-1")
BANKS = ("bank-a", "bank-c")
MAX_RECEIPTS = 5


class PledgeLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.chain = Chain()
        self.ids: list[str] = []
        self.pledges: dict[str, str] = {}
        """Each receipt's pledgee as last seen, to catch a pledge changing banks."""

    def receipts(self) -> dict[str, Receipt]:
        return {k.removeprefix(RECEIPT_PREFIX): decode(v, Receipt)
                for k, v, _ in self.chain.store.iter_state(RECEIPT_PREFIX)}

    def step(self, action: str, args: dict[str, object], signers: list[str]) -> None:
        """Run one transaction as its own block and check what it did to its receipt."""
        rid = str(args.get("id", ""))
        before = self.receipts().get(rid)
        sender = self.chain.key(signers[0])
        state_before = self.chain.state_without_nonce(sender)
        (receipt,) = self.chain.run(self.chain.tx(
            "warehouse_receipt", action, args, [self.chain.key(o) for o in signers]))
        if not receipt.ok:
            assert self.chain.state_without_nonce(sender) == state_before, receipt.message
            return
        if action == "issue":
            self.ids.append(str(receipt.events[0].attrs["id"]))
            return
        after = self.receipts()[rid]
        assert before is not None
        assert before.status != Status.DELIVERED
        if after.holder != before.holder:
            consent = (before.status == Status.ISSUED and signers[0] == before.holder) or (
                before.pledgee != "" and before.pledgee in signers)
            assert consent, (action, signers, before, after)
            assert action in ("transfer", "enforce")
        if before.pledgee and after.pledgee:
            assert before.pledgee == after.pledgee, "a pledge passed to another bank"

    @initialize()
    def receipts_one_pledged(self) -> None:
        """Every run starts from three receipts, the first pledged to bank-a."""
        for depositor in ORGS[:3]:
            self.issue(depositor)
        self.step("pledge", {"id": self.ids[0], "bank": "bank-a"}, ["sme-1", "bank-a"])
        assert self.receipts()[self.ids[0]].status == Status.PLEDGED

    @precondition(lambda self: len(self.ids) < MAX_RECEIPTS)
    @rule(depositor=st.sampled_from(ORGS[:3]))
    def issue(self, depositor: str) -> None:
        self.step("issue", {"depositor": depositor, "goods": "copper cathodes",
                            "commodity_code": "740311", "quantity": 1000, "unit": "KGM",
                            "value": 7_300_000, "currency": "CNY", "location": "bay 1"},
                  ["wh-1"])

    def pick(self, data: st.DataObject, status: Status | None = None) -> tuple[str, Receipt]:
        """A receipt; with ``status``, mostly one in that status if there is one."""
        receipts = self.receipts()
        some = [i for i in self.ids if receipts[i].status == status]
        rid = data.draw(st.sampled_from(some if some and data.draw(st.booleans())
                                        else self.ids))
        return rid, receipts[rid]

    @staticmethod
    def mostly(data: st.DataObject, likely: str, others: tuple[str, ...] = ORGS) -> str:
        """``likely`` most of the time (the step then has a chance), else any of ``others``."""
        return data.draw(st.one_of(st.just(likely), st.just(likely), st.sampled_from(others)))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), to=st.sampled_from(ORGS), cosign=st.booleans())
    def transfer(self, data: st.DataObject, to: str, cosign: bool) -> None:
        rid, r = self.pick(data, Status.PLEDGED)
        sender = self.mostly(data, r.holder)
        pledgee = data.draw(st.sampled_from((r.pledgee, "", *BANKS)))
        signers = [sender] + ([pledgee] if cosign and pledgee and pledgee != sender else [])
        self.step("transfer", {"id": rid, "to": to, "pledgee": pledgee}, signers)

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), bank=st.sampled_from((*BANKS, "factor-a")), cosign=st.booleans())
    def pledge(self, data: st.DataObject, bank: str, cosign: bool) -> None:
        rid, r = self.pick(data, Status.ISSUED)
        sender = self.mostly(data, r.holder)
        signers = [sender] + ([bank] if cosign and bank != sender else [])
        self.step("pledge", {"id": rid, "bank": bank}, signers)

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), action=st.sampled_from(("release", "enforce")))
    def end_pledge(self, data: st.DataObject, action: str) -> None:
        rid, r = self.pick(data, Status.PLEDGED)
        self.step(action, {"id": rid}, [self.mostly(data, r.pledgee or "bank-a")])

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), cosign=st.integers(0, 3).map(lambda n: n == 0))
    def deliver(self, data: st.DataObject, cosign: bool) -> None:
        rid, r = self.pick(data)
        sender, holder = self.mostly(data, "wh-1"), self.mostly(data, r.holder)
        signers = [sender] + ([holder] if cosign and holder != sender else [])
        self.step("deliver", {"id": rid, "holder": holder}, signers)

    @invariant()
    def pledged_to_at_most_one_bank(self) -> None:
        for rid, r in self.receipts().items():
            assert (r.status == Status.PLEDGED) == (r.pledgee != "")
            if r.pledgee:
                assert "bank" in ORG_ROLES[r.pledgee]
                assert r.pledgor != "" and r.pledgee != r.holder
                seen = self.pledges.get(rid, "")
                assert seen in ("", r.pledgee), "a pledge passed to another bank"
            self.pledges[rid] = r.pledgee


PledgeLifecycle.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_pledge_lifecycle = PledgeLifecycle.TestCase
