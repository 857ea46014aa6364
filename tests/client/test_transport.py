"""The client against a fake transport (no network): status mapping, bodies, headers."""

from __future__ import annotations

import json

import httpx
import pytest

from smechain.client import (
    ApiError,
    Client,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InvalidInput,
    NotFound,
    ServerError,
    Unauthenticated,
)


def error(status: int, code: str, field: str, message: str, **extra: object) -> httpx.Response:
    return httpx.Response(status, json={"error": {"status": status, "code": code,
                                                  "field": field, "message": message, **extra}})


@pytest.mark.parametrize(("status", "cls"), [
    (401, Unauthenticated), (403, Forbidden), (404, NotFound), (409, Conflict),
    (422, InvalidInput), (500, ServerError), (503, ServerError), (504, ServerError),
    (405, ApiError), (418, ApiError)])
def test_status_maps_to_its_error_class(status: int, cls: type[ApiError]) -> None:
    transport = httpx.MockTransport(lambda _: error(status, "x", "f", "f: no"))
    with Client("http://peer", token="t", transport=transport) as client, \
            pytest.raises(cls) as e:
        client.me()
    assert type(e.value) is cls and (e.value.status, e.value.field) == (status, "f")


def test_ledger_failure_carries_its_receipt() -> None:
    body = error(409, "conflict", "invoices[0]", "invoices[0]: invoice 'a-1' has 0 unfinanced",
                 tx_hash="ab" * 32, height=7)
    transport = httpx.MockTransport(lambda _: body)
    with Client("http://peer", token="t", transport=transport) as c, pytest.raises(Conflict) as e:
        c.submit(b"\x01")
    assert (e.value.code, e.value.field, e.value.tx_hash, e.value.height) == (
        "conflict", "invoices[0]", "ab" * 32, 7)
    assert str(e.value) == "invoices[0]: invoice 'a-1' has 0 unfinanced"


def test_a_non_json_error_page_still_raises_typed() -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(502, text="Bad Gateway (proxy)"))
    with Client("http://peer", transport=transport) as client, pytest.raises(ServerError) as e:
        client.health()
    assert (e.value.status, e.value.code, e.value.message) == (502, "http_502",
                                                               "Bad Gateway (proxy)")


def test_requests_carry_the_bearer_token_and_json_forms() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"tx_hash": "cd" * 32, "status": "committed",
                                         "height": 3, "index": 0, "ok": True, "code": "ok",
                                         "message": "", "events": [
                                             {"contract": "membership", "name": "KeyEnrolled",
                                              "attrs": {"org": "bank-a"}}]})

    with Client("http://peer/", api_key="smk_secret", transport=httpx.MockTransport(answer)) as c:
        result = c.membership.enrol_key(b"\x01\x02", "desk", wait=False)
        c.receivable.issue([("a-1", 5), {"invoice": "a-2", "amount": 6}], "core-a", "CNY",
                           "2030-01-01")
    assert result.ok and result.event("KeyEnrolled").attrs == {"org": "bank-a"}
    with pytest.raises(LookupError):
        result.event("Nothing")
    first, second = seen
    assert first.headers["authorization"] == "Bearer smk_secret"
    assert first.url.path == "/v1/contracts/membership/enrol_key"
    assert first.url.params["wait"] == "false"
    assert json.loads(first.content) == {"public_key": "0102", "name": "desk"}
    assert json.loads(second.content)["invoices"] == [{"invoice": "a-1", "amount": 5},
                                                      {"invoice": "a-2", "amount": 6}]


def test_transport_errors_become_connection_failed() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    transport = httpx.MockTransport(fail)
    with Client("http://peer", transport=transport) as client, \
            pytest.raises(ConnectionFailed) as e:
        client.health()
    assert e.value.url == "http://peer/healthz" and "timed out" in str(e.value)
