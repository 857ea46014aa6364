"""Lending: matching SMEs to loan products.

    python bench/lending.py --json
    python bench/lending.py --orgs 100000 --json

``match_one_ms``: p99 over ``--smes`` SMEs of ``product.queries.match``, one SME against
every product (319: DESIGN §1's scale), every reason built (their zh/en text is
rendered on demand). ``match_all_s``: the nightly batch (``product.batch.match_all``:
polars column expressions over the rules' lookup tables, then counts per product) for
``--orgs`` firms (default 11 million) against the same products. The firms'
attribute columns and bands are generated directly as numpy columns
(``product.catalogue.smes``), not timed: the band is an input column, as from a scoring
run.

``loans_tps``: committed transactions per second of ``--loans`` loan workflows through
the embedded node, four transactions each: the SME applies under its consent, the bank
decides (approves on a score attestation), disburses in cash, and — the orderer's clock
moved 31 days on, a simulation clock — the SME repays its first instalment. The
consortium (``--loan-banks`` banks, ``--loan-smes`` SMEs, a cash issuer) is set up
first, not timed: each bank registers a scorecard and receives cash, each SME grants its
bank a consent and the bank attests a score under it. Every workflow's transactions are
signed up front in the order they are submitted (not timed) and driven with at most
``--window`` in flight (``ledger.drive``); every receipt must be ``ok``, every loan
active with its first instalment paid, every balance what the loans moved, and the
supply the sum of the balances. The same run measures plain cash transfers
(``bench/ledger.py``, as many transactions) for ``ratio_to_transfers``. Each figure is
one function (``FIGURES``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

import ledger
from receivables import Signer
from smechain.core.daycount import DayCount
from smechain.core.genesis import Genesis, Governance, OrgSpec
from smechain.core.tx import decode_tx
from smechain.modules.cash.contract import BALANCE_PREFIX, balance_key, supply_key
from smechain.modules.loan import balance
from smechain.modules.loan.contract import Status as LoanStatus
from smechain.modules.loan.queries import read_loan
from smechain.modules.loan.schedule import Instalment, Style, schedule
from smechain.modules.product import batch, catalogue
from smechain.modules.product import queries as q
from smechain.modules.product.contract import COLLATERAL, Product, Status
from smechain.node.node import Node, NodeConfig
from smechain.ordering.cutter import CutterConfig

PRODUCTS = 319


def _products(n: int) -> list[Product]:
    return [Product(f"p{i:03d}", 1, f"bank-{i % 129}", t, 0, 0, Status.LIVE)
            for i, t in enumerate(catalogue.product_terms(n, seed=11))]


def match_one(a: argparse.Namespace) -> dict[str, Any]:
    """p99 and p50 of one SME against every product, in milliseconds."""
    compiled = q.compile_products(_products(a.products))
    cols = catalogue.smes(a.smes, seed=1)
    profiles = [q.SmeProfile(
        str(cols["band"][i]), str(cols["region"][i]), str(cols["industry"][i]),
        int(cols["years"][i]), str(cols["revenue_band"][i]), int(cols["headcount"][i]),
        str(cols["tax_grade"][i]),
        frozenset(c for j, c in enumerate(COLLATERAL) if int(cols["collateral"][i]) >> j & 1))
        for i in range(a.smes)]
    times = []
    for profile in profiles:
        start = time.perf_counter()
        q.match(profile, compiled)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"match_one_ms": round(times[int(len(times) * 0.99) - 1 if len(times) > 1 else 0], 3),
            "match_one_p50_ms": round(statistics.median(times), 3), "smes": a.smes}


def match_all(a: argparse.Namespace) -> dict[str, Any]:
    """Seconds for every firm against every product, and how many firms fit one or more."""
    products = _products(a.products)
    frame = pl.DataFrame(catalogue.smes(a.orgs, seed=2))
    start = time.perf_counter()
    fits, counts = batch.match_all(frame, products)
    seconds = time.perf_counter() - start
    matched = int((fits.get_column("matches") > 0).sum())
    return {"match_all_s": round(seconds, 2), "orgs": a.orgs,
            "orgs_matched": matched, "matches": int(sum(counts))}


DAY_MS = 86_400_000
BANK_CASH = 10**13
MODEL = {"kind": "scorecard", "artefact_digest": b"m" * 32,
         "categories": [{"category": "tax", "features": ["vat_paid_12m"]}],
         "base_score": 600, "base_odds_good": 50, "base_odds_bad": 1, "pdo": 20,
         "band_cutoffs": [520, 580, 640]}
TERMS = {"rate_bp": 480, "term_months": 12, "style": "equal_instalments",
         "day_count": "30/360", "penalty_rate_bp": 720, "grace_days": 3,
         "prepayment_fee_bp": 100}
PRODUCT = {"name": "working capital", "kind": "working_capital", "currency": "CNY",
           "min_amount": 100_000, "max_amount": 10**9, "min_term_months": 1,
           "max_term_months": 36, "min_rate_bp": 300, "max_rate_bp": 900,
           "repayment": "equal_instalments", "eligibility": {}}
"""Each bank's one product, which every loan of the mix cites (version 1)."""


def _hash(raw: bytes) -> str:
    """The id a contract gives what ``raw`` creates: its hash's first 32 hex digits."""
    return decode_tx(raw, ledger._key("ed25519", 0).crypto)[1].hex()[:32]


def loans_tps(a: argparse.Namespace) -> dict[str, Any]:
    """Committed loan-workflow transactions per second, and plain transfers' for the ratio."""
    banks = [f"bank-{b}" for b in range(a.loan_banks)]
    smes = [f"sme-{s}" for s in range(a.loan_smes)]
    key = {o: ledger._key("ed25519", i) for i, o in
           enumerate(["pboc", "orderer", *banks, *smes])}
    roles = {"pboc": ["cash_issuer"], **{b: ["bank"] for b in banks}}
    # Block days are simulated from 01:00 UTC today, so the schedule of a loan disbursed
    # during the run is known when its repayment is signed.
    today = datetime.datetime.now(datetime.UTC).date()
    start_ms = int(datetime.datetime(today.year, today.month, today.day, 1,
                                     tzinfo=datetime.UTC).timestamp() * 1000)
    wall, offset = time.time(), [0]
    genesis = Genesis(ledger.CHAIN, "ed25519", start_ms, [
        OrgSpec(o, o, roles.get(o, ["sme"]), k.public) for o, k in key.items() if o != "orderer"],
        Governance(["pboc", banks[0], smes[0]], dict.fromkeys(
            ("add_org", "suspend_org", "readmit_org", "rekey_org"), 2)), [key["orderer"].public])

    def clock() -> int:
        return start_ms + int((time.time() - wall) * 1000) + offset[0]

    sign = Signer()
    setup = [sign("credit", "register_model", {"model_version": f"card-{b}", **MODEL}, key[b])
             for b in banks]
    setup += [sign("product", "publish", {"id": f"{b}.wc", "terms": {
        **PRODUCT, "institution": b}}, key[b]) for b in banks]
    setup += [sign("cash", "issue", {"currency": "CNY", "to": b, "amount": BANK_CASH},
                   key["pboc"]) for b in banks]
    bank_of = {s: banks[i % len(banks)] for i, s in enumerate(smes)}
    consents = {}
    for s in smes:
        setup.append(sign("consent", "grant", {
            "bank": bank_of[s], "categories": ["tax"], "purpose": "credit_assessment",
            "until_ms": start_ms + 400 * DAY_MS}, key[s]))
        consents[s] = _hash(setup[-1])
    scores = {}
    for s in smes:
        setup.append(sign("credit", "attest", {
            "consent_id": consents[s], "model_version": f"card-{bank_of[s]}", "category": "",
            "input_digests": [b"i" * 32], "result_digest": b"r" * 32, "kind": "score"},
            key[bank_of[s]]))
        scores[s] = _hash(setup[-1])

    flows = [(smes[i % len(smes)], 1_000_000 + 10_000 * (i % 97)) for i in range(a.loans)]
    phases: list[list[bytes]] = [[], [], [], []]
    loan_ids = []
    for sme, amount in flows:
        phases[0].append(sign("loan", "apply", {
            "bank": bank_of[sme], "consent_id": consents[sme], "currency": "CNY",
            "amount": amount, "term_months": 12, "product_id": f"{bank_of[sme]}.wc",
            "product_version": 1}, key[sme]))
        loan_ids.append(_hash(phases[0][-1]))
    for (sme, amount), loan_id in zip(flows, loan_ids, strict=True):
        phases[1].append(sign("loan", "decide", {
            "id": loan_id, "approve": True, "band": "B", "reason_codes": ["TAX_REGULAR"],
            "attestation_id": scores[sme], "terms": {"amount": amount, **TERMS}},
            key[bank_of[sme]]))
    for (sme, _), loan_id in zip(flows, loan_ids, strict=True):
        phases[2].append(sign("loan", "disburse", {"id": loan_id}, key[bank_of[sme]]))
    firsts: list[Instalment] = []
    for (sme, amount), loan_id in zip(flows, loan_ids, strict=True):
        first = schedule(amount, TERMS["rate_bp"], 12, today.isoformat(), Style.EQUAL_INSTALMENTS,
                         DayCount.THIRTY_360)[0]
        firsts.append(first)
        phases[3].append(sign("loan", "repay", {"id": loan_id, "amount": first.payment},
                              key[sme]))

    folder = Path(tempfile.mkdtemp(prefix="smechain-loans-"))
    node = Node.create(folder, genesis, key["orderer"], NodeConfig(CutterConfig(), clock=clock))
    node.start()
    try:
        _, _, failed = ledger.drive(node, setup, a.window)
        lend, lend_ms, failed_lend = ledger.drive(node, [t for ph in phases[:3] for t in ph],
                                                  a.window)
        offset[0] = 31 * DAY_MS
        repay, repay_ms, failed_repay = ledger.drive(node, phases[3], a.window)
        failed += failed_lend + failed_repay
        failed += _check_books(node, flows, loan_ids, firsts, bank_of, banks, smes)
    finally:
        node.close()
        shutil.rmtree(folder, ignore_errors=True)
    txs = sum(len(ph) for ph in phases)
    tps = round(txs / (lend + repay))
    p50, p99 = ledger.percentiles([x * 1000 for x in lend_ms + repay_ms])
    plain = ledger.main_result(["--txs", str(txs), "--window", str(a.window)])
    return {"loans": a.loans, "loans_txs": txs, "loans_tps": tps, "loans_p50_ms": p50,
            "loans_p99_ms": p99, "plain_transfer_tps": plain["committed_tps"],
            "ratio_to_transfers": round(tps / plain["committed_tps"], 2),
            "loan_banks": a.loan_banks, "loan_smes": a.loan_smes, "window": a.window,
            "lent": sum(amount for _, amount in flows),
            "repaid": sum(f.payment for f in firsts), "failed": failed + plain["failed"]}


def _check_books(node: Node, flows: list[tuple[str, int]], loan_ids: list[str],
                 firsts: list[Instalment], bank_of: dict[str, str], banks: list[str],
                 smes: list[str]) -> int:
    """How many loans and balances are not what the workflows should have left."""
    want = {b: BANK_CASH for b in banks} | dict.fromkeys(smes, 0)
    wrong = 0
    for (sme, amount), loan_id, first in zip(flows, loan_ids, firsts, strict=True):
        want[bank_of[sme]] += first.payment - amount
        want[sme] += amount - first.payment
        loan = read_loan(node.store, loan_id)
        if (loan is None or loan.status != LoanStatus.ACTIVE
                or balance.outstanding_principal(loan.schedule) != amount - first.principal):
            wrong += 1
    got = {o: node.query(balance_key("CNY", o)) or 0 for o in want}
    wrong += sum(got[o] != want[o] for o in want)
    held = sum(v for _, v in node.scan(BALANCE_PREFIX + "CNY/"))
    wrong += held != BANK_CASH * len(banks) or node.query(supply_key("CNY")) != held
    if wrong:
        print(f"books: {wrong} loans or balances wrong", file=sys.stderr)
    return wrong


FIGURES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "match_one": match_one, "match_all": match_all, "loans": loans_tps}
"""Each figure's function; ``--only`` runs some."""


def main_result(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the figures asked for and return them."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orgs", type=int, default=11_000_000, help="firms in the nightly batch")
    p.add_argument("--products", type=int, default=PRODUCTS)
    p.add_argument("--smes", type=int, default=10_000, help="SMEs timed one by one")
    p.add_argument("--loans", type=int, default=10_000,
                   help="loan workflows (four transactions each)")
    p.add_argument("--loan-banks", type=int, default=10)
    p.add_argument("--loan-smes", type=int, default=1000, help="borrowers")
    p.add_argument("--window", type=int, default=3000, help="most transactions in flight")
    p.add_argument("--only", choices=list(FIGURES), action="append")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    a = p.parse_args(argv)
    if min(a.orgs, a.products, a.smes, a.loans, a.loan_banks, a.loan_smes, a.window) < 1:
        p.error("--orgs, --products, --smes, --loans, --loan-banks, --loan-smes and --window "
                "must be >= 1")
    result: dict[str, Any] = {"bench": "lending", "products": a.products, "failed": 0}
    for name in a.only or FIGURES:
        figures = FIGURES[name](a)
        result["failed"] += figures.pop("failed", 0)
        result.update(figures)
    result["cores"] = os.cpu_count()
    result["polars_threads"] = pl.thread_pool_size()
    return result


def main(argv: list[str] | None = None) -> int:
    return ledger.report(main_result(argv), argv)


if __name__ == "__main__":
    sys.exit(main())
