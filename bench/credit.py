"""Credit from government data: private scoring of every firm, vertical binning, SBA.

Three figures, each against its plain counterpart measured in the same run (these
machines differ in speed by nearly 2x; the ratios much less):

- ``private_scoring_s``: score ``--orgs`` firms (default 11 million) end to end.
  The data owners' stores are generated first (``govdata``, not timed) and a
  scorecard trained on ``--train-orgs`` firms' loans (not timed). Timed: each of
  the seven owners, in its own process, reads only its own store, aligns its
  records to the bank's list of firms, computes its partial points and point
  losses with the model and turns them into the protocol's messages (shares for
  the two aggregators, masked reason-code candidates); the aggregators and the
  bank (this process) combine them into every firm's score and four reason codes.
  ``plain_scoring_s`` runs the same owner processes sending their partials and
  losses in the clear to be summed; ``scores_equal`` checks the two agree exactly.
- ``vertical_binning_s``: WoE binning of ``--rows`` x ``--features`` with the
  bank's labels encrypted (OU, 2048 bits) and per-pre-bin sums at the owner
  (``smechain.privacy.bench``), against plain optbinning on the same data.
- ``auc_oot``, ``ks_oot``, ``psi_bp``, ``psi_max_quarter_bp``: the SBA 7(a) card
  trained on approval years up to 2000 and measured on 2001-2004.

    python bench/credit.py --json
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ledger import report  # bench/ is on the path when run as a script
from smechain.modules.credit import desk, govdata
from smechain.modules.credit.scorecard import ScorecardModel
from smechain.privacy import messages, reasons, scoring
from smechain.privacy.bench import vertical_binning_figures


def _owner(category: str, folder: str, model: str, request: str, chunk: int, private: bool,
           out: Connection) -> None:
    """One data owner's process: its store only, chunk by chunk of the bank's list."""
    card = ScorecardModel.load(Path(model))
    firms = np.load(request, mmap_mode="r")
    roles = scoring.Roles(card.owners)
    party = scoring.ScoringOwner(category, roles)
    if private:
        out.send_bytes(messages.encode(party.seed_message()))
    # Records absent from this owner score as missing: the missing bin's points.
    absent = pd.DataFrame(columns=[c for c, _ in govdata.OWNER_COLUMNS[category]],
                          index=["-"])
    missing = desk.owner_chunk(card, category, desk.owner_features(category, absent))
    buffer: list[pd.DataFrame] = []
    with govdata.OwnerStore(folder, category) as store:
        rows = store.features(chunk=chunk)
        for start in range(0, len(firms), chunk):
            wanted = pd.Index(firms[start:start + chunk].astype(str))
            partial = np.full(len(wanted), missing.partials[0], dtype=np.int64)
            losses = np.tile(missing.losses[0], (len(wanted), 1))
            last = wanted[-1]
            while True:  # records come in the register's order: read up to this chunk's end
                frame = buffer.pop() if buffer else next(rows, None)
                if frame is None:
                    break
                at = wanted.get_indexer(frame.index)
                here = at >= 0
                if here.any():
                    got = desk.owner_chunk(card, category,
                                           desk.owner_features(category, frame[here]))
                    partial[at[here]], losses[at[here]] = got.partials, got.losses
                if not here.all():
                    buffer.append(frame[~here])
                    break
                if frame.index[-1] == last:
                    break
            if private:
                msgs = party.chunk(scoring.OwnerChunk(start, partial, losses, missing.codes))
                out.send_bytes(b"".join(len(m).to_bytes(8, "big") + m
                                        for m in map(messages.encode, msgs)))
            else:
                out.send_bytes(partial.tobytes() + losses.tobytes())
    out.close()


def _split(data: bytes) -> list[messages.Msg]:
    found, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 8], "big")
        found.append(messages.decode(data[at + 8:at + 8 + size]))
        at += 8 + size
    return found


def score_all(folder: Path, model: Path, request: Path, n: int, chunk: int,
              private: bool) -> tuple[float, np.ndarray, np.ndarray]:
    """Seconds to score the ``n`` firms of ``request``; their scores and reason codes."""
    card = ScorecardModel.load(model)
    roles = scoring.Roles(card.owners)
    width = {c: sum(f.owner == c for f in card.features) for c in card.owners}
    codes_of = {c: desk.reason_positions(card, c) for c in card.owners}
    ctx = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    pipes, procs = [], []
    for category in card.owners:
        here, there = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_owner, args=(category, str(folder), str(model), str(request),
                                                chunk, private, there))
        proc.start()
        there.close()
        pipes.append(here)
        procs.append(proc)
    totals = np.empty(n, dtype=np.int64)
    codes = np.empty((n, reasons.SLOTS), dtype=np.int64)
    aggs = [scoring.ScoringAggregator(a, roles, reasons=True) for a in roles.aggregators]
    bank = scoring.ScoringBank(roles.bank, roles, reasons=True)
    parties: list[scoring.Party] = [*aggs, bank]
    if private:
        scoring.run_in_process(parties, [messages.decode(p.recv_bytes()) for p in pipes])
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        if private:
            msgs = [m for p in pipes for m in _split(p.recv_bytes())]
            scoring.run_in_process(parties, msgs)
            done = bank.done.pop(start)
            totals[start:start + rows] = done.totals
            codes[start:start + rows] = done.codes
        else:
            partials, losses = [], []
            for category, p in zip(card.owners, pipes, strict=True):
                data = p.recv_bytes()
                partials.append(np.frombuffer(data[:8 * rows], dtype=np.int64))
                losses.append(np.frombuffer(data[8 * rows:], dtype=np.int64)
                              .reshape(rows, width[category]))
            totals[start:start + rows] = scoring.plain_scores(partials)
            codes[start:start + rows] = reasons.plain_reason_codes(
                losses, [codes_of[c] for c in card.owners])
    for proc in procs:
        proc.join(60)
        if proc.exitcode != 0:
            raise RuntimeError(f"an owner's process ended with {proc.exitcode}")
    return time.perf_counter() - started, totals + card.base_points, codes


def sba_figures(rows: int | None) -> dict[str, Any]:
    """Out-of-time AUC, KS and PSI of the SBA card (``rows``: a training sample)."""
    from smechain.modules.credit import datasets
    from smechain.modules.credit.scorecard import psi, psi_by_period, train_sba

    trained = train_sba(rows)
    data = datasets.load_sba()
    model = trained.model
    expected = model.score(data.train)
    actual = model.score(data.test)
    quarters = psi_by_period(model, data.train, data.test)
    test = model.metrics["test"]
    return {"auc_oot": round(float(test["auc"]), 4), "ks_oot": round(float(test["ks"]), 4),
            "psi_bp": round(psi(expected, actual) * 10_000),
            "psi_max_quarter_bp": max(q.psi_bp for q in quarters),
            "sba_train_s": round(trained.seconds, 1)}


def main_result(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and return its figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orgs", type=int, default=11_000_000, help="firms to score")
    p.add_argument("--train-orgs", type=int, default=100_000,
                   help="firms generated to train the government-data card on")
    p.add_argument("--chunk", type=int, default=1_000_000, help="firms per protocol round")
    p.add_argument("--rows", type=int, default=800_000, help="vertical binning rows")
    p.add_argument("--features", type=int, default=20, help="vertical binning features")
    p.add_argument("--sba-rows", type=int, default=0,
                   help="SBA training sample (0: every loan of the training years)")
    p.add_argument("--folder", type=Path, help="keep (and reuse) the owners' stores here")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    a = p.parse_args(argv)
    for name in ("orgs", "train_orgs", "chunk", "rows", "features"):
        if getattr(a, name) < 2:
            p.error(f"--{name.replace('_', '-')} must be at least 2")
    if a.sba_rows < 0:
        p.error("--sba-rows must be 0 or more")

    with tempfile.TemporaryDirectory(prefix="smechain-credit-bench-") as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        govdata.generate(work / "train", n=a.train_orgs, seed=1)
        card = desk.train_govdata(work / "train", "bench-1")
        model = work / "bench-1.json"
        card.save(model)
        train_s = time.perf_counter() - t

        folder = a.folder or work / "owners"
        t = time.perf_counter()
        reuse = (folder / "market_regulation.sqlite").is_file() and govdata.OwnerStore(
            folder, "market_regulation").count() == a.orgs
        if not reuse:
            govdata.generate(folder, n=a.orgs, seed=2)
        generate_s = time.perf_counter() - t
        # The bank's list of firms to score: the public business register's order.
        request = work / "request.npy"
        with govdata.OwnerStore(folder, "market_regulation") as register:
            np.save(request, np.concatenate([f.index.to_numpy().astype("S18")
                                             for f in register.features(chunk=a.chunk)]))

        plain_s, plain_scores, plain_codes = score_all(folder, model, request, a.orgs, a.chunk,
                                                       private=False)
        private_s, scores, codes = score_all(folder, model, request, a.orgs, a.chunk,
                                             private=True)
        equal = bool(np.array_equal(scores, plain_scores) and np.array_equal(codes, plain_codes))
        binning = vertical_binning_figures(a.rows, a.features)
    result: dict[str, Any] = {
        "bench": "credit", "orgs": a.orgs, "owners": len(card.owners),
        "private_scoring_s": round(private_s, 1), "plain_scoring_s": round(plain_s, 1),
        "scoring_ratio": round(private_s / plain_s, 2), "scores_equal": equal,
        "vertical_binning_s": round(binning["vertical_binning_s"], 1),
        "plain_binning_s": round(binning["plain_binning_s"], 1),
        "binning_ratio": round(binning["vertical_binning_s"] / binning["plain_binning_s"], 1),
        "rows": a.rows, "features": a.features,
        **sba_figures(a.sba_rows or None),
        "generate_s": round(generate_s, 1), "train_govdata_s": round(train_s, 1),
        "govdata_auc_test": round(float(card.metrics["test"]["auc"]), 4),
        "failed": 0 if equal else 1, "cores": os.cpu_count(),
    }
    return result


def main(argv: list[str] | None = None) -> int:
    return report(main_result(argv), argv)


if __name__ == "__main__":
    sys.exit(main())
