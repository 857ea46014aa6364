"""HTTP API throughput: invoice checks per second, and committed transactions via batch submit.

Starts the seeded demo network with its API on 127.0.0.1 (uvicorn, uvloop,
httptools) in this process, and drives it from separate load processes:

- ``verify_rps``: ``GET /v1/invoices/{id}/verify?digest=…`` with an API key,
  over ``--connections`` keep-alive connections, for ``--seconds`` after a
  warm-up; every answer must be 200 with ``"match":true``.
- ``bare_rps``: the same load, by the same client, on a bare FastAPI endpoint
  that does no work, served the same way: the framework's ceiling on this
  machine. ``verify_share`` = ``verify_rps / bare_rps`` varies much less
  between machines than either figure.
- ``submit_tps``: ``--txs`` cash transfers signed up front (not timed) by the
  demo's enrolled keys, posted in batches of ``--batch`` to
  ``/v1/transactions/batch`` with ``wait=true`` (one connection per group of
  keys, so each key's nonces arrive in order), timed from the first post to
  the last committed receipt; every receipt must be ``ok``.

    python bench/api.py --json

prints one JSON line: verify_rps, bare_rps, verify_share, submit_tps, failed, and
the settings.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from ledger import report  # bench/ is on the path when run as a script
from smechain.api.app import create_app
from smechain.api.demo import build_demo
from smechain.api.server import configure_logging, serve_in_thread
from smechain.client import sign_tx
from smechain.modules.invoice.contract import read_invoice
from smechain.node.node import NodeConfig
from smechain.ordering.cutter import CutterConfig

SIGNERS = [f"user:{org}/{user}" for org in ("bank-a", "bank-b", "factor-x", "core-a")
           for user in ("admin", "operator")]


async def _hammer(host: str, port: int, request: bytes, seconds: float, warmup: float,
                  connections: int) -> tuple[int, int]:
    """Keep-alive GETs on raw sockets; (good answers, bad answers) after the warm-up."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    counting_from, until = start + warmup, start + warmup + seconds
    good = bad = 0

    async def one() -> None:
        nonlocal good, bad
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while (now := loop.time()) < until:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                body = await reader.readexactly(length)
                if now >= counting_from:
                    if head.startswith(b"HTTP/1.1 200") and b'"match":true' in body:
                        good += 1
                    else:
                        bad += 1
        finally:
            writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    return good, bad


def _load(args: tuple[str, int, bytes, float, float, int]) -> tuple[int, int]:
    return asyncio.run(_hammer(*args))


def get_rps(url: str, path: str, token: str, seconds: float, connections: int,
            procs: int) -> tuple[float, int]:
    """``GET path`` answers per second over HTTP, and how many were not a 200 match."""
    host, port = url.removeprefix("http://").split(":")
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
               f"Authorization: Bearer {token}\r\n\r\n").encode()
    warmup = 1.0
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(procs) as pool:
        results = pool.map(_load, [(host, int(port), request, seconds, warmup,
                                    connections // procs)] * procs)
    good = sum(g for g, _ in results)
    bad = sum(b for _, b in results)
    return good / seconds, bad


def bare_app() -> FastAPI:
    """A FastAPI app whose one endpoint does no work (answers as a matching check does)."""
    app = FastAPI()

    @app.get("/bare")
    async def bare() -> dict[str, bool]:
        return {"match": True}

    return app


def submit_tps(url: str, token: str, groups: list[list[bytes]], batch: int) -> tuple[float, int]:
    """Committed transactions per second through the batch endpoint, and failures."""

    async def run() -> int:
        failed = 0
        async with httpx.AsyncClient(base_url=url, timeout=120,
                                     headers={"Authorization": f"Bearer {token}"}) as client:

            async def send(group: list[bytes]) -> None:
                nonlocal failed
                for i in range(0, len(group), batch):
                    chunk = [raw.hex() for raw in group[i:i + batch]]
                    resp = await client.post("/v1/transactions/batch",
                                              json={"txs": chunk, "wait": True})
                    if resp.status_code != 200:
                        failed += len(chunk)
                        continue
                    failed += sum(1 for r in resp.json()["results"] if not r.get("ok"))

            await asyncio.gather(*(send(g) for g in groups))
        return failed

    start = time.perf_counter()
    failed = asyncio.run(run())
    elapsed = time.perf_counter() - start
    return sum(len(g) for g in groups) / elapsed, failed


def main_result(argv: list[str] | None = None) -> dict[str, Any]:
    """Run both measurements and return the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0, help="verify measurement time")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--load-procs", type=int, default=1, help="load-generator processes")
    p.add_argument("--txs", type=int, default=40_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--groups", type=int, default=4, help="concurrent batch senders")
    p.add_argument("--workers", type=int, default=None, help="signature worker processes")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    configure_logging("warning")
    folder = Path(tempfile.mkdtemp(prefix="smechain-bench-api-"))
    config = NodeConfig(CutterConfig(max_txs=1000, max_wait_ms=20),
                        verify_workers=args.workers, max_pending=200_000)
    demo, ids = build_demo(folder / "node", config)
    running = serve_in_thread(create_app(demo.platform, portal=False))
    try:
        platform = demo.platform
        _, token, _ = platform.accounts.add_api_key("bank-a", "bench", "operator")
        inv_id = ids["invoices"][1]
        anchored = read_invoice(platform.node.store, inv_id)
        assert anchored is not None, f"the demo anchored no invoice {inv_id}"
        digest = anchored.digest.hex()
        rps, bad = get_rps(running.url, f"/v1/invoices/{inv_id}/verify?digest={digest}",
                           token, args.seconds, args.connections, args.load_procs)
        bare = serve_in_thread(bare_app())
        try:
            ceiling, bare_bad = get_rps(bare.url, "/bare", token, args.seconds,
                                        args.connections, args.load_procs)
        finally:
            bare.stop()
        bad += bare_bad

        keys = [k for owner in SIGNERS if (k := platform.accounts.key(owner)) is not None]
        groups: list[list[bytes]] = [[] for _ in range(args.groups)]
        for i in range(args.txs):
            key = keys[i % len(keys)]
            groups[(i % len(keys)) % args.groups].append(sign_tx(
                demo.node.chain_id, "cash", "transfer",
                {"currency": "CNY", "to": "sme-t1", "amount": 1}, [key],
                demo.node.nonce(key.public) + i // len(keys) + 1))
        tps, failed = submit_tps(running.url, token, groups, args.batch)
    finally:
        running.stop()
        demo.close()
        shutil.rmtree(folder, ignore_errors=True)
    return {"bench": "api", "verify_rps": round(rps), "bare_rps": round(ceiling),
            "verify_share": round(rps / ceiling, 2), "submit_tps": round(tps),
            "failed": bad + failed,
            "txs": args.txs, "batch": args.batch, "groups": args.groups,
            "connections": args.connections, "seconds": args.seconds}


if __name__ == "__main__":
    sys.exit(report(main_result(), None))
