"""Sign-in floods do not slow everyone: wrong passwords are counted per name and per client
address in maps of bounded size, and password checks run a bounded number at once with a
bounded queue (beyond it: 429 and Retry-After at once). Against real uvicorn on 127.0.0.1;
distinct client addresses come from X-Forwarded-For, believed only from a trusted proxy."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from api_support import Api, error

from smechain.api.accounts import ScryptCost
from smechain.api.demo import PASSWORD
from smechain.api.server import Running, serve_in_thread
from smechain.api.throttle import FailureLog, HashSlots, LoginLimits

CLIENTS = 16
ATTEMPTS = 8
ADDRESS_LIMIT = 5
NAME_KEYS = 32


def login(http: httpx.Client, org: str, username: str, password: str,
          address: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    return http.post("/v1/auth/login", headers=headers,
                     json={"org": org, "username": username, "password": password})


def throttled(r: httpx.Response, reason: str) -> None:
    """A 429 in the API's error shape naming ``password``, with a Retry-After in seconds."""
    detail = error(r, 429, field="password", code="too_many_attempts")
    assert reason in detail["message"], detail
    assert 1 <= int(r.headers["retry-after"]) <= 300, r.headers


@pytest.fixture
def behind_proxy(api: Api) -> Iterator[Running]:
    """The API served on 127.0.0.1, trusting 127.0.0.1 as its reverse proxy."""
    running = serve_in_thread(api.app, "127.0.0.1", trusted_proxies="127.0.0.1")
    yield running
    running.stop()


@pytest.fixture
def direct(api: Api) -> Iterator[Running]:
    """The API served on 127.0.0.1 as by default: no proxy trusted."""
    running = serve_in_thread(api.app, "127.0.0.1")
    yield running
    running.stop()


def test_a_login_flood_from_many_addresses_leaves_other_users_served(
        api: Api, behind_proxy: Running, production_password_cost: ScryptCost) -> None:
    # Each check takes real scrypt work (~50 ms), so checks let through together overlap.
    limits = LoginLimits(names=FailureLog(5, max_keys=NAME_KEYS),
                         addresses=FailureLog(ADDRESS_LIMIT),
                         slots=HashSlots(workers=1, queue=CLIENTS * 2, wait_s=60))
    api.demo.platform.accounts.limits = limits
    with httpx.Client(base_url=behind_proxy.url, timeout=60) as user:
        r = login(user, "sme-t2", "viewer", PASSWORD)
        assert r.status_code == 200, r.text
        bearer = {"Authorization": f"Bearer {r.json()['token']}"}
        limits.slots.peak = 0  # the flood's checks alone from here
        flooding = threading.Event()
        flooding.set()
        polls: list[int] = []

        def poll() -> None:
            """The legitimate user reads /v1/me throughout the flood (bounded)."""
            while (flooding.is_set() or len(polls) < 5) and len(polls) < 5_000:
                polls.append(user.get("/v1/me", headers=bearer).status_code)

        def flood(i: int) -> list[httpx.Response]:
            address = f"10.9.0.{i + 1}"
            with httpx.Client(base_url=behind_proxy.url, timeout=60) as http:
                return [login(http, "sme-t1", f"flood-{i}-{j}", "wrong password", address)
                        for j in range(ATTEMPTS)]

        poller = threading.Thread(target=poll)
        poller.start()
        try:
            with ThreadPoolExecutor(CLIENTS) as pool:
                answers = list(pool.map(flood, range(CLIENTS)))
        finally:
            flooding.clear()
            poller.join(60)
        assert not poller.is_alive()

        assert polls and set(polls) == {200}, polls
        for i, responses in enumerate(answers):
            # Each address is checked ADDRESS_LIMIT times, then refused before any hashing.
            statuses = [r.status_code for r in responses]
            assert statuses == [401] * ADDRESS_LIMIT + [429] * (ATTEMPTS - ADDRESS_LIMIT), (
                i, statuses)
            for r in responses[ADDRESS_LIMIT:]:
                throttled(r, f"too many wrong passwords from 10.9.0.{i + 1}")
        assert limits.slots.peak == 0  # made-up names are refused without hashing
        assert len(limits.names) <= NAME_KEYS < CLIENTS * ADDRESS_LIMIT
        assert len(limits.addresses) == CLIENTS

        # Other addresses still sign in; a flooding address waits, right password or not.
        assert login(user, "sme-t1", "viewer", PASSWORD).status_code == 200
        assert login(user, "sme-t1", "viewer", PASSWORD, "10.9.0.99").status_code == 200
        throttled(login(user, "sme-t1", "viewer", PASSWORD, "10.9.0.1"),
                  "too many wrong passwords from 10.9.0.1")


def test_x_forwarded_for_is_not_believed_from_an_untrusted_peer(api: Api,
                                                               direct: Running) -> None:
    api.demo.platform.accounts.limits = LoginLimits(addresses=FailureLog(3))
    with httpx.Client(base_url=direct.url, timeout=30) as http:
        for i in range(3):
            r = login(http, "sme-t1", f"guess-{i}", "wrong password", f"10.8.0.{i + 1}")
            error(r, 401, field="password")
        # Every guess counted against the connection's own address, whatever the header said.
        throttled(login(http, "sme-t1", "guess-3", "wrong password", "10.8.0.4"),
                  "too many wrong passwords from 127.0.0.1")
        throttled(login(http, "sme-t1", "viewer", PASSWORD, "10.8.0.5"), "from 127.0.0.1")


def test_password_checks_beyond_the_queue_are_refused_at_once(api: Api,
                                                              direct: Running) -> None:
    limits = LoginLimits(slots=HashSlots(workers=1, queue=1, wait_s=60))
    api.demo.platform.accounts.limits = limits
    slots = limits.slots
    assert slots.acquire()  # the one slot is busy
    waiting: list[httpx.Response] = []
    queued = threading.Thread(target=lambda: waiting.append(
        httpx.post(f"{direct.url}/v1/auth/login", timeout=60, json={
            "org": "sme-t1", "username": "viewer", "password": PASSWORD})))
    try:
        queued.start()
        for _ in range(1_000):  # until the first sign-in waits for the slot (bounded)
            if slots.waiting == 1:
                break
            time.sleep(0.01)
        assert slots.waiting == 1
        with httpx.Client(base_url=direct.url, timeout=30) as http:
            busy = login(http, "sme-t1", "operator", PASSWORD)
        detail = error(busy, 429, field="password", code="too_many_attempts")
        assert "busy" in detail["message"] and busy.headers["retry-after"] == "1"
        # Being turned away is no wrong password: nothing counted against name or address.
        assert len(limits.names) == len(limits.addresses) == 0
    finally:
        slots.release()
        queued.join(60)
    assert [r.status_code for r in waiting] == [200]
    assert slots.peak == 1 and slots.running == slots.waiting == 0


def test_the_failure_log_stays_bounded_and_forgets_old_failures() -> None:
    log = FailureLog(limit=3, window_ms=1_000, max_keys=100)
    for i in range(1_000):
        log.add(("org", f"name-{i}"), now_ms=i)
    assert len(log) == 100
    assert log.refused_ms(("org", "name-0"), 1_000) == 0  # forgotten first: least recent
    for t in (2_000, 2_001, 2_002):
        log.add("x", t)
    assert log.refused_ms("x", 2_500) == 500  # until the oldest of its 3 leaves the window
    assert log.refused_ms("x", 3_000) == 0
    log.add("y", 10_000)  # every other key's failures have left the window
    assert len(log) == 1
    log.clear("y")
    assert len(log) == 0


def test_a_strangers_guesses_lock_a_name_out_for_the_stranger_only(
        api: Api, behind_proxy: Running) -> None:
    limits = LoginLimits(names=FailureLog(12), slots=HashSlots(workers=1))
    api.demo.platform.accounts.limits = limits
    with httpx.Client(base_url=behind_proxy.url, timeout=60) as http:
        for _ in range(5):
            error(login(http, "sme-t2", "viewer", "wrong password", "10.7.0.1"), 401,
                  field="password")
        throttled(login(http, "sme-t2", "viewer", PASSWORD, "10.7.0.1"),
                  "too many wrong passwords for 'viewer'")
        # the owner, elsewhere, still signs in; the stranger's guesses were real checks
        assert login(http, "sme-t2", "viewer", PASSWORD, "10.7.0.2").status_code == 200
        assert limits.slots.peak == 1
        # guesses spread over many addresses stop at the name's own limit
        for i in range(3, 10):
            login(http, "sme-t2", "viewer", "wrong password", f"10.7.0.{i}")
        throttled(login(http, "sme-t2", "viewer", PASSWORD, "10.7.0.200"),
                  "too many wrong passwords for 'viewer'")
