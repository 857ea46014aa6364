"""Every benchmark in ``bench/`` runs, at a tiny size, and prints its one JSON line.

A benchmark nobody runs rots: this runs each script as ``make bench`` does
(its own process, ``--json``), with sizes that take seconds, and checks the
exit status, that stdout is exactly one JSON object with the benchmark's
keys, and that nothing failed. Figures are printed, never judged: the
machine's speed is no test's business.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

RUNS: dict[str, tuple[list[str], set[str]]] = {
    "ledger.py ed25519": (
        ["ledger.py", "--txs", "400", "--accounts", "20"],
        {"bench", "suite", "txs", "accounts", "committed_tps", "p50_ms", "p99_ms",
         "verify_per_core", "failed", "rate_bp", "window", "max_txs", "max_wait_ms", "cores"},
    ),
    "ledger.py with interest": (
        ["ledger.py", "--txs", "400", "--accounts", "20", "--rate-bp", "150"],
        {"bench", "suite", "txs", "committed_tps", "p50_ms", "p99_ms", "failed", "rate_bp"},
    ),
    "ledger.py sm2": (
        ["ledger.py", "--txs", "200", "--accounts", "20", "--suite", "sm2"],
        {"bench", "suite", "txs", "committed_tps", "p50_ms", "p99_ms", "verify_per_core",
         "failed"},
    ),
    "receivables.py": (
        ["receivables.py", "--workflows", "20", "--pairs", "5"],
        {"bench", "workflows", "txs", "committed_tps", "plain_transfer_tps",
         "ratio_to_transfers", "failed", "bank_discount_earned", "cores"},
    ),
    "cluster.py": (
        ["cluster.py", "--txs", "300", "--accounts", "10"],
        {"bench", "txs", "committed_tps", "p50_ms", "p99_ms", "start_height", "embedded_tps",
         "embedded_p50_ms", "embedded_p99_ms", "ratio", "failed", "peers", "nats_servers",
         "accounts", "window", "max_txs", "max_wait_ms", "verify_workers", "synchronous",
         "cores"},
    ),
    "credit.py": (
        ["credit.py", "--orgs", "3000", "--train-orgs", "5000", "--chunk", "1000", "--rows",
         "2000", "--features", "2", "--sba-rows", "5000"],
        {"bench", "orgs", "private_scoring_s", "plain_scoring_s", "scoring_ratio",
         "scores_equal", "vertical_binning_s", "plain_binning_s", "auc_oot", "ks_oot",
         "psi_bp", "failed", "cores"},
    ),
    "lending.py": (
        ["lending.py", "--orgs", "20000", "--smes", "300", "--loans", "50", "--loan-smes",
         "10", "--loan-banks", "3"],
        {"bench", "products", "match_one_ms", "match_one_p50_ms", "smes", "match_all_s",
         "orgs", "orgs_matched", "matches", "loans", "loans_txs", "loans_tps", "loans_p50_ms",
         "loans_p99_ms", "plain_transfer_tps", "ratio_to_transfers", "loan_banks",
         "loan_smes", "lent", "repaid", "failed", "cores"},
    ),
    "api.py": (
        ["api.py", "--seconds", "0.5", "--txs", "200", "--batch", "50", "--groups", "2",
         "--connections", "4"],
        {"bench", "verify_rps", "submit_tps", "failed", "txs", "batch", "groups",
         "connections", "seconds"},
    ),
}
FIGURES = {"committed_tps", "p50_ms", "p99_ms", "verify_per_core", "plain_transfer_tps",
           "ratio_to_transfers", "embedded_tps", "embedded_p50_ms", "embedded_p99_ms", "ratio",
           "verify_rps", "submit_tps", "private_scoring_s", "plain_scoring_s",
           "scoring_ratio", "vertical_binning_s", "plain_binning_s", "auc_oot", "ks_oot",
           "match_one_ms", "match_one_p50_ms", "match_all_s", "loans_tps", "loans_p50_ms",
           "loans_p99_ms"}


def test_every_benchmark_script_has_a_tiny_run() -> None:
    scripts = {p.name for p in BENCH.glob("*.py")}
    assert scripts == {args[0] for args, _ in RUNS.values()}


@pytest.mark.parametrize("rate", ["-1", "10001", "x"])
def test_the_ledger_benchmark_refuses_a_rate_out_of_range(rate: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH / "ledger.py"), "--rate-bp", rate,
                           "--json"], cwd=BENCH.parent, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "--rate-bp" in done.stderr, done.stderr
    assert done.stdout == ""


def run(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(BENCH / args[0]), *args[1:], "--json"],
                          cwd=BENCH.parent, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert isinstance(result, dict)
    return result


@pytest.mark.parametrize("name", list(RUNS))
def test_benchmark_prints_its_json_line(name: str) -> None:
    args, keys = RUNS[name]
    result = run(args)
    assert keys <= set(result), f"missing {sorted(keys - set(result))}"
    assert result["bench"] == Path(args[0]).stem
    assert result["failed"] == 0
    for key in FIGURES & set(result):
        value = result[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), (key, value)
    if "--txs" in args:
        assert result["txs"] == int(args[args.index("--txs") + 1])
    if name == "ledger.py sm2":
        assert result["suite"] == "sm2"
    if name.startswith("ledger.py"):
        rate = args[args.index("--rate-bp") + 1] if "--rate-bp" in args else "0"
        assert result["rate_bp"] == int(rate)
    if name == "receivables.py":
        assert result["txs"] == 20 * 8
        # 565.00 sold 30 days before maturity at 4% ACT/360: 188 fen of discount each.
        assert result["bank_discount_earned"] == 20 * 188
    if name == "credit.py":
        assert result["scores_equal"] is True and result["orgs"] == 3000
        assert 0.5 < result["auc_oot"] <= 1
    if name == "lending.py":
        assert result["orgs"] == 20000 and result["products"] == 319
        assert 0 < result["orgs_matched"] <= 20000
        # Four transactions a workflow; 50 loans of 10,000.00 + 100.00 × (i mod 97).
        assert result["loans"] == 50 and result["loans_txs"] == 200
        assert result["lent"] == 50 * 1_000_000 + 10_000 * sum(range(50))
        assert 0 < result["repaid"] < result["lent"]
    if name == "cluster.py":
        # Peers enrol their API admins at start-up: the run starts past height 0.
        assert result["start_height"] > 0
        assert result["peers"] == 4 and result["accounts"] == 10
