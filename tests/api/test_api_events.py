"""Server-sent events: ``GET /v1/events``, filtered to what the caller may see."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_support import Api, RouteRecorder, covers, error

from smechain.api.server import Running, serve_in_thread


def parse_events(text: str) -> list[dict[str, Any]]:
    """The events of an SSE body: ``{"id", "event", "data"}`` per block; comments skipped."""
    found = []
    for block in text.split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.splitlines():
            if line.startswith(":") or not line:
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if fields:
            assert set(fields) == {"id", "event", "data"}, block
            fields["data"] = json.loads(fields["data"])
            found.append(fields)
    return found


@covers("GET /v1/events")
def test_backlog_from_a_height_as_the_regulator(shared: Api) -> None:
    r = shared.get("/v1/events?from_height=1&limit=5", "regulator/viewer")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["cache-control"] == "no-cache"
    assert r.text.count("event: ") == 5
    found = parse_events(r.text)
    assert len(found) == 5
    heights = [e["data"]["height"] for e in found]
    assert heights == sorted(heights) and heights[0] == 1
    for e in found:
        data = e["data"]
        assert e["id"] == f"{data['height']}-{data['index']}"
        assert e["event"] and isinstance(data["attrs"], dict)
        assert len(bytes.fromhex(data["tx_hash"])) == 32
        assert {"contract", "action", "ok", "code"} <= set(data)
    assert found[0]["event"] == "KeyEnrolled" and found[0]["data"]["action"] == "enrol_key"


@covers("GET /v1/events")
def test_token_in_the_query_and_refusals(shared: Api) -> None:
    token = shared.token("regulator/viewer")
    r = shared.client.get(f"/v1/events?from_height=1&limit=2&token={token}")
    assert r.status_code == 200 and len(parse_events(r.text)) == 2
    error(shared.client.get("/v1/events?from_height=1&limit=2"), 401, field="authorization")
    error(shared.client.get("/v1/events?limit=2&token=sms_forged"), 401, field="authorization")
    error(shared.get("/v1/events?from_height=-1&limit=2", "regulator/viewer"), 422,
          field="from_height")
    error(shared.get("/v1/events?limit=0", "regulator/viewer"), 422, field="limit")


@covers("GET /v1/events")
def test_failed_transactions_stream_as_tx_failed(shared: Api) -> None:
    detail = shared.ok("GET", f"/v1/transactions/{shared.ids['refused_tx']}",
                       as_="regulator/viewer")
    r = shared.get(f"/v1/events?from_height={detail['height']}&limit=1", "sme-t1/viewer")
    (event,) = parse_events(r.text)
    assert event["event"] == "TxFailed"
    assert event["data"]["tx_hash"] == shared.ids["refused_tx"]
    assert (event["data"]["ok"], event["data"]["code"]) == (False, "conflict")


# --- on a real server --------------------------------------------------------------------


@pytest.fixture
def live(api: Api) -> Iterator[Running]:
    """The fresh demo's API served on 127.0.0.1 (a free port) on a thread."""
    running = serve_in_thread(RouteRecorder(api.app), host="127.0.0.1")  # type: ignore[arg-type]
    assert running.url.startswith("http://127.0.0.1:")
    yield running
    running.stop()


def read_events(lines: Iterator[str], count: int) -> list[dict[str, Any]]:
    """The next ``count`` events from an SSE line iterator (read timeouts bound the wait)."""
    found: list[dict[str, Any]] = []
    block: list[str] = []
    for line in lines:
        if line:
            block.append(line)
            continue
        parsed = parse_events("\n".join(block))
        block = []
        found.extend(parsed)
        if len(found) >= count:
            return found
    raise AssertionError(f"the stream ended after {len(found)} of {count} events")


def visible_events(api: Api, who: str) -> dict[str, int]:
    """tx_hash → number of events, for every transaction ``who`` may see (from the API)."""
    page = api.ok("GET", "/v1/transactions?limit=200", as_=who)
    assert page["total"] == len(page["items"])
    counts = {}
    for item in page["items"]:
        receipt = api.ok("GET", f"/v1/transactions/{item['tx_hash']}", as_=who)["receipt"]
        counts[item["tx_hash"]] = max(1, len(receipt["events"]))
    return counts


@covers("GET /v1/events")
def test_an_sme_gets_only_its_events_and_new_ones_arrive_live(api: Api, live: Running) -> None:
    expected = visible_events(api, "sme-t4/viewer")
    total = sum(expected.values())
    everything = api.ok("GET", "/v1/transactions?limit=1", as_="regulator/viewer")["total"]
    assert 0 < len(expected) < everything
    token = api.token("sme-t4/viewer")
    timeout = httpx.Timeout(10.0)
    with httpx.Client(base_url=live.url, timeout=timeout) as other, httpx.stream(
            "GET", f"{live.url}/v1/events?from_height=1&token={token}", timeout=timeout) as s:
        assert s.status_code == 200
        lines = s.iter_lines()
        backlog = read_events(lines, total)
        assert len(backlog) == total
        seen: dict[str, int] = {}
        for e in backlog:
            seen[e["data"]["tx_hash"]] = seen.get(e["data"]["tx_hash"], 0) + 1
        assert seen == expected

        # while connected: a transfer between banks (nothing to do with sme-t4), then one
        # paying sme-t4; the next event sme-t4 receives is the second
        def pay(who: str, to: str, amount: int) -> dict[str, Any]:
            r = other.post("/v1/contracts/cash/transfer",
                           headers={"Authorization": f"Bearer {api.token(who)}"},
                           json={"currency": "CNY", "to": to, "amount": amount})
            assert r.status_code == 200, r.text
            return dict(r.json())

        banks = pay("bank-a/operator", "bank-b", 11)
        paid = pay("sme-t3/operator", "sme-t4", 22)
        (event,) = read_events(lines, 1)
        assert event["event"] == "Transferred"
        assert event["data"]["tx_hash"] == paid["tx_hash"] != banks["tx_hash"]
        assert event["data"]["attrs"] == {"currency": "CNY", "sender": "sme-t3", "to": "sme-t4",
                                          "amount": 22}
        assert event["data"]["height"] == paid["height"]


@covers("GET /v1/events")
def test_regulator_stream_without_backlog_sees_every_new_transaction(api: Api,
                                                                    live: Running) -> None:
    token = api.token("regulator/viewer")
    timeout = httpx.Timeout(10.0)
    with httpx.Client(base_url=live.url, timeout=timeout) as other, httpx.stream(
            "GET", f"{live.url}/v1/events?limit=2",
            headers={"Authorization": f"Bearer {token}"}, timeout=timeout) as s:
        lines = s.iter_lines()
        assert next(lines) == ": smechain events"  # connected: the queue is open
        hashes = []
        for who, to in (("bank-a/operator", "bank-b"), ("core-a/operator", "sme-t1")):
            r = other.post("/v1/contracts/cash/transfer",
                           headers={"Authorization": f"Bearer {api.token(who)}"},
                           json={"currency": "CNY", "to": to, "amount": 5})
            assert r.status_code == 200, r.text
            hashes.append(r.json()["tx_hash"])
        found = read_events(lines, 2)
        assert [e["data"]["tx_hash"] for e in found] == hashes
        # limit=2 reached: the server ends the stream
        assert list(lines) == []


@covers("GET /v1/events", "POST /v1/transactions/batch")
def test_catching_up_from_an_old_height_misses_nothing(api: Api, live: Running) -> None:
    """Thousands of transactions behind: the replay pages through the index (1,000 rows a
    page) and must hand over to the live feed without a gap or a repeat."""
    from smechain.client import sign_tx

    key = api.demo.platform.accounts.key("user:sme-t1/operator")
    assert key is not None
    start = api.demo.node.nonce(key.public) + 1
    txs = [sign_tx(api.demo.node.chain_id, "cash", "transfer",
                   {"currency": "CNY", "to": "sme-t2", "amount": 1, "memo": ""}, [key],
                   start + i).hex() for i in range(2_600)]
    for i in range(0, len(txs), 5000):
        results = api.ok("POST", "/v1/transactions/batch", as_="sme-t1/operator",
                         json={"txs": txs[i:i + 5000]})["results"]
        assert all(r["ok"] for r in results)
    newest = results[-1]["tx_hash"]
    assert api.demo.platform.index.wait_for(api.demo.node.height(), 30)

    token = api.token("regulator/viewer")
    timeout = httpx.Timeout(10.0)
    seen: set[str] = set()
    with httpx.Client(base_url=live.url, timeout=timeout) as other, httpx.stream(
            "GET", f"{live.url}/v1/events?from_height=1&token={token}", timeout=timeout) as s:
        lines = s.iter_lines()
        assert next(lines) == ": smechain events"
        marker = other.post("/v1/contracts/cash/transfer",
                            headers={"Authorization": f"Bearer {api.token('bank-a/operator')}"},
                            json={"currency": "CNY", "to": "bank-b", "amount": 1}).json()
        for line in lines:
            if line.startswith("data: "):
                tx_hash = json.loads(line[6:])["tx_hash"]
                if tx_hash == marker["tx_hash"]:
                    break
                seen.add(tx_hash)
    assert newest in seen, f"{len(seen)} transactions streamed before the live marker"


@covers("GET /v1/events")
def test_from_height_beyond_64_bits_is_refused_or_streams(api: Api, live: Running) -> None:
    token = api.token("regulator/viewer")
    with httpx.stream("GET", f"{live.url}/v1/events?from_height={10**20}&token={token}",
                      timeout=httpx.Timeout(10.0, read=3.0)) as s:
        if s.status_code != 200:
            s.read()
            error(s, 422, field="from_height")
            return
        lines = s.iter_lines()
        assert next(lines) == ": smechain events"
        with pytest.raises(httpx.ReadTimeout):  # alive: waiting for new events
            next(lines)
