"""``kill -9`` the API server while proposals are being approved: after the restart every
proposal follows the ledger. Those whose transaction committed are done with its receipt;
those whose transaction was still queued are open again (never ``submitted`` with a
transaction no chain holds) and can be signed again; no sale runs twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from smechain.api.accounts import Account, Role
from smechain.api.demo import PASSWORD, build_demo
from smechain.node.keys import save_key
from smechain.ordering.natsserver import free_port

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

SERVER = Path(__file__).with_name("proposal_server.py")
PART = 30_000_000
BUYERS = ("bank-a", "bank-b", "factor-x")


class Server:
    """``proposal_server.py`` as a process of its own on a free loopback port."""

    def __init__(self, folder: Path, log: Path, max_txs: int, max_wait_ms: int) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        self.log = log.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), str(folder), port, str(max_txs), str(max_wait_ms)],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not come up in 30 s"
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


class Caller:
    """Calls as one demo user, with a session token that outlives server restarts."""

    def __init__(self, url: str, who: str) -> None:
        org, username = who.split("/")
        r = httpx.post(url + "/v1/auth/login", json={"org": org, "username": username,
                                                     "password": PASSWORD}, timeout=10)
        assert r.status_code == 200, r.text
        self.headers = {"Authorization": f"Bearer {r.json()['token']}"}
        self.url = url

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return httpx.request(method, self.url + path, headers=self.headers,
                             timeout=kw.pop("timeout", 30), **kw)

    def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        r = self.call(method, path, **kw)
        assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """A seeded demo, closed, whose sme-t1 holds ``second`` split in four parts."""
    demo, ids = build_demo(tmp_path / "demo")
    try:
        p = demo.platform
        sme_t1 = p.caller(Account("sme-t1", "operator", Role.OPERATOR))
        p.raise_for(p.submit_custodial(sme_t1, "receivable", "split", {
            "id": ids["second"], "amounts": [PART] * 4}, True))
        assert demo.orderer is not None
        save_key(demo.orderer, demo.folder / "orderer.key")
        (demo.folder / "ids").write_text(f"{ids['second']}\n{ids['certificate']}\n"
                                         f"{ids['offer_factor']}\n")
    finally:
        demo.close()
    yield demo.folder


def _balances(regulator: Caller, orgs: tuple[str, ...]) -> dict[str, int]:
    return {o: regulator.ok("GET", f"/v1/balances?org={o}")["balances"].get("CNY", 0)
            for o in orgs}


def test_killed_during_approvals_every_proposal_follows_the_ledger(folder: Path,
                                                                     tmp_path: Path) -> None:
    second, cert, offer_factor = (folder / "ids").read_text().split()
    # A block is cut at four transactions and otherwise not for a minute: of the six
    # approvals, four commit and two stay queued until the kill.
    server = Server(folder, tmp_path / "server.log", max_txs=4, max_wait_ms=60_000)
    try:
        who = {o: Caller(server.url, f"{o}/operator")
               for o in ("sme-t1", "sme-t4", *BUYERS)}
        regulator = Caller(server.url, "regulator/viewer")
        offers = [("sme-t1", f"{second}.1", "bank-a"), ("sme-t1", f"{second}.2", "bank-b"),
                  ("sme-t1", f"{second}.3", "bank-a"), ("sme-t1", f"{second}.4", "factor-x"),
                  ("sme-t4", f"{cert}.1.1.1", "bank-b")]
        deals = {who[seller].ok("POST", "/v1/proposals", 201, json={
            "contract": "receivable", "action": "sell", "cosigners": [buyer],
            "args": {"id": part, "buyer": buyer, "discount_rate_bp": 500, "day_count": "ACT/365F",
                     "recourse": True}})["id"]: (seller, part, buyer)
            for seller, part, buyer in offers}
        deals[offer_factor] = ("sme-t2", f"{cert}.1.2", "factor-x")
        rival = who["sme-t1"].ok("POST", "/v1/proposals", 201, json={
            "contract": "receivable", "action": "sell", "cosigners": ["bank-b"],
            "args": {"id": f"{second}.1", "buyer": "bank-b", "discount_rate_bp": 400,
                     "day_count": "ACT/365F", "recourse": False}})["id"]
        orgs = ("sme-t1", "sme-t2", "sme-t4", *BUYERS)
        before = _balances(regulator, orgs)

        pool = ThreadPoolExecutor(len(deals))
        signing = {pid: pool.submit(who[buyer].call, "POST", f"/v1/proposals/{pid}/sign",
                                    timeout=90)
                   for pid, (_, _, buyer) in deals.items()}
        deadline = time.monotonic() + 30
        while True:
            docs = {pid: regulator.ok("GET", f"/v1/proposals/{pid}") for pid in deals}
            statuses = sorted(d["status"] for d in docs.values())
            if statuses == ["done"] * 4 + ["submitted"] * 2:
                break
            assert time.monotonic() < deadline, (statuses, {
                pid: f.result().text if f.done() and not f.exception() else f.exception()
                for pid, f in signing.items() if f.done()})
            time.sleep(0.1)
        # Still queued at this node: listing them does not open them again.
        listed = {d["id"]: d["status"] for d in
                  regulator.ok("GET", "/v1/proposals?limit=200")["items"]}
        assert sorted(listed[pid] for pid in deals) == statuses
        queued = {pid: d["result"]["tx_hash"] for pid, d in docs.items()
                  if d["status"] == "submitted"}
        assert all(docs[pid]["result"]["status"] == "queued" for pid in queued)
        # A rival offer of a part being sold cannot be signed meanwhile, and the refusal
        # names no holder.
        refused = who["bank-b"].call("POST", f"/v1/proposals/{rival}/sign")
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["field"] == "id"
        assert "bank-a" not in refused.text
        server.kill()
        pool.shutdown(wait=True, cancel_futures=True)
    finally:
        server.stop()

    server = Server(folder, tmp_path / "server.log", max_txs=500, max_wait_ms=5)
    try:
        for caller in (*who.values(), regulator):
            caller.url = server.url
        every = regulator.ok("GET", "/v1/proposals?limit=200")["items"]
        assert every and all(d["status"] != "submitted" for d in every)
        prices: dict[str, int] = {}
        for pid, (seller, part, buyer) in deals.items():
            doc = regulator.ok("GET", f"/v1/proposals/{pid}")
            holder = who[buyer].call("GET", f"/v1/certificates/{part}")
            if pid in queued:
                # Lost with the server: on no chain, open again, the part still the seller's.
                assert doc["status"] == "open", doc
                assert doc["result"] is None and doc["signed_by"] == []
                assert queued[pid] in doc["reason"] and "signed again" in doc["reason"]
                assert regulator.call("GET", f"/v1/transactions/{queued[pid]}"
                                      ).status_code == 404
                assert holder.json()["certificate"]["holder"] == seller
                doc = who[buyer].ok("POST", f"/v1/proposals/{pid}/sign")
            else:
                assert holder.json()["certificate"]["holder"] == buyer
            assert doc["status"] == "done" and doc["result"]["ok"] is True, doc
            assert regulator.ok("GET", f"/v1/transactions/{doc['result']['tx_hash']}")[
                "receipt"]["ok"]
            sold = next(e for e in doc["result"]["events"] if e["name"] == "CertificateSold")
            assert (sold["attrs"]["id"], sold["attrs"]["buyer"]) == (part, buyer)
            prices[pid] = sold["attrs"]["price"]
            assert who[buyer].ok("GET", f"/v1/certificates/{part}")["certificate"][
                "holder"] == buyer
        # each sale paid exactly once
        moved = {o: 0 for o in orgs}
        for pid, (seller, _, buyer) in deals.items():
            moved[seller] += prices[pid]
            moved[buyer] -= prices[pid]
        after = _balances(regulator, orgs)
        assert {o: after[o] - before[o] for o in orgs} == moved
        assert regulator.ok("GET", f"/v1/proposals/{rival}")["status"] == "stale"
    finally:
        server.stop()
