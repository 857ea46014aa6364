"""``kill -9`` a node while it commits: every acknowledged block survives, intact."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from smechain.client import sign_tx
from smechain.node.keys import load_key
from smechain.node.node import STORE_FILE, Node, NodeConfig
from smechain.node.verify import verify_chain
from smechain.ordering.cutter import CutterConfig
from smechain.storage.sqlite import SqliteStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

SCRIPT = Path(__file__).with_name("crash_writer.py")
TOTAL_DEADLINE = 30.0

# Per round: how many committed lines to see first, then how long to let it run on.
# The kill lands at a different point of the submit/commit loop each time.
ROUNDS = [(3, 0.0), (5, 0.013), (8, 0.041)]

COMMITTED = re.compile(r"^committed (\d+)$")
READY = re.compile(r"^ready (\d+)$")


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _store_height_and_verify(folder: Path) -> int:
    store = SqliteStore(folder / STORE_FILE, readonly=True)
    try:
        report = verify_chain(store)
        assert report.ok, report
        assert report.blocks == store.height() + 1
        return store.height()
    finally:
        store.close()


def _run_round(folder: Path, tmp_path: Path, round_no: int, need: int, linger: float,
               deadline: float) -> tuple[int, int]:
    """Start the writer, kill it; return (ready height, last printed committed height)."""
    errors = (tmp_path / f"writer-{round_no}.err").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(folder)],
        stdout=subprocess.PIPE, stderr=errors, text=True, bufsize=1,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    reader.start()
    output: list[str] = []
    try:
        committed = 0
        while committed < need:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"round {round_no}: too slow; output so far {output[-5:]}"
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            assert line is not None, (
                f"round {round_no}: writer exited ({proc.poll()}) early: {output[-5:]}\n"
                + (tmp_path / f"writer-{round_no}.err").read_text()[-2000:]
            )
            output.append(line)
            if COMMITTED.match(line):
                committed += 1
        if linger:
            time.sleep(linger)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        errors.close()
    # Everything it printed before dying counts: drain the pipe to EOF.
    reader.join(timeout=10)
    while True:
        try:
            line = lines.get_nowait()
        except queue.Empty:
            break
        if line is not None:
            output.append(line)
    assert not [line for line in output if line.startswith("bad ")], output
    ready = [int(m.group(1)) for line in output if (m := READY.match(line))]
    heights = [int(m.group(1)) for line in output if (m := COMMITTED.match(line))]
    assert len(ready) == 1, output[:3]
    assert heights == sorted(heights), "receipts came back out of block order"
    assert heights[0] > ready[0]
    return ready[0], heights[-1]


def test_kill_9_loses_no_committed_block(tmp_path: Path) -> None:
    folder = tmp_path / "chain"
    deadline = time.monotonic() + TOTAL_DEADLINE
    stored = -1
    for round_no, (need, linger) in enumerate(ROUNDS):
        ready, last_printed = _run_round(folder, tmp_path, round_no, need, linger, deadline)
        if round_no == 0:
            assert ready == 0  # a fresh chain: genesis only
        else:
            # The reopened node recovered exactly what the last round left on disk.
            assert ready == stored
        stored_now = _store_height_and_verify(folder)
        assert stored_now >= last_printed
        assert stored_now >= stored
        stored = stored_now

    # The chain is still good for business after the last kill.
    orderer = load_key(folder / "keys" / "orderer.key")
    issuer = load_key(folder / "keys" / "pboc.key")
    config = NodeConfig(cutter=CutterConfig(max_wait_ms=5), verify_workers=0)
    with Node.open(folder, orderer, config) as node:
        assert node.height() == stored
        raw = sign_tx(node.chain_id, "cash", "issue", {"currency": "CNY", "to": "acme",
                                                       "amount": 1},
                      [issuer], node.nonce(issuer.public) + 1)
        receipt = node.submit_and_wait(raw, 20)
        assert receipt.ok, receipt
        assert node.height() == stored + 1
        assert node.locate(receipt.tx_hash)[0] == stored + 1
    assert _store_height_and_verify(folder) == stored + 1
