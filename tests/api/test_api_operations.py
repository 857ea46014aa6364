"""Operations and the machine-readable contract: health, metrics, OpenAPI, unknown routes."""

from __future__ import annotations

import re
import typing
from typing import Any

import msgspec
import pytest
from api_support import Api, covers, error

from smechain.api import schemas
from smechain.api.accounts import Account, Role


@covers("GET /healthz")
def test_healthz_needs_no_sign_in(shared: Api) -> None:
    health = shared.ok("GET", "/healthz")
    assert health["status"] == "ok" and health["chain_id"] == "smechain-demo"
    assert health["height"] == shared.demo.node.height() > 0
    assert health["indexed_height"] == health["height"]


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one Prometheus sample."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        assert m, line
        found = dict(re.findall(r'(\w+)="([^"]*)"', m[2] or ""))
        if m[1] == name and all(found.get(k) == v for k, v in labels.items()):
            return float(m[3])
    raise AssertionError(f"no sample {name} {labels}")


@covers("GET /metrics", "GET /v1/orgs/{org_id}")
def test_metrics_count_requests_by_route_template(shared: Api) -> None:
    shared.token("sme-t1/viewer")
    text = shared.client.get("/metrics").text
    try:
        before = metric(text, "smechain_http_requests_total", method="GET",
                        route="/v1/orgs/{org_id}", status="404")
    except AssertionError:
        before = 0.0
    for org in ("nope-1", "nope-2", "nope-3"):
        shared.get(f"/v1/orgs/{org}", "sme-t1/viewer")
    r = shared.client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert "smechain_http_requests_total" in text and "smechain_ledger_height" in text
    assert metric(text, "smechain_http_requests_total", method="GET", route="/v1/orgs/{org_id}",
                  status="404") == before + 3
    assert metric(text, "smechain_ledger_height") == shared.height()
    assert metric(text, "smechain_index_height") == shared.height()
    assert "smechain_http_request_seconds_bucket" in text
    assert "smechain_api_transactions_submitted_total" in text
    assert "nope-1" not in text  # labelled by template, not by raw path


@covers("GET /metrics", "POST /v1/contracts/cash/transfer")
def test_metrics_count_submitted_transactions(api: Api) -> None:
    before = metric(api.client.get("/metrics").text, "smechain_api_transactions_submitted_total")
    api.ok("POST", "/v1/contracts/cash/transfer", as_="bank-a/operator",
           json={"currency": "CNY", "to": "bank-b", "amount": 1})
    after = metric(api.client.get("/metrics").text, "smechain_api_transactions_submitted_total")
    assert after == before + 1


@covers("POST /v1/contracts/cash/transfer")
def test_a_block_committing_during_the_simulation_does_not_refuse_a_good_transaction(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Found in CI: the simulation read the sender's nonce, a block of its earlier
    # transactions then committed, and the good transaction was refused as bad_nonce
    # ("15 is replayed; expected 18"). The simulation now reads one block's state.
    node, platform = api.demo.node, api.demo.platform
    bank_a = platform.caller(Account("bank-a", "operator", Role.OPERATOR))
    key = platform.signing_key(bank_a, "cash").public
    read_nonce, racing = node.nonce, [True]

    def nonce_then_a_block(public: bytes) -> int:
        nonce = read_nonce(public)
        if racing:  # once: bank-a's own transfer commits between the reads
            racing.clear()
            platform.raise_for(platform.submit_custodial(bank_a, "cash", "transfer", {
                "currency": "CNY", "to": "bank-b", "amount": 1}, True))
        return nonce

    before = read_nonce(key)
    monkeypatch.setattr(node, "nonce", nonce_then_a_block)
    done = api.ok("POST", "/v1/contracts/cash/transfer", as_="bank-a/operator",
                  json={"currency": "CNY", "to": "bank-b", "amount": 2})
    assert done["ok"] is True and not racing
    assert read_nonce(key) == before + 2


def test_unknown_route_is_404_in_the_error_shape(shared: Api) -> None:
    for path in ("/v1/nothing-here", "/v2/me", "/v1/contracts"):
        r = shared.get(path, "sme-t1/viewer")
        error(r, 404, field="path", code="not_found")
    r = shared.client.delete("/v1/me", headers=shared.headers("sme-t1/viewer"))
    error(r, 405, field="path", code="method_not_allowed")


# --- the OpenAPI document ----------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(shared: Api) -> dict[str, Any]:
    r = shared.client.get("/openapi.json")
    assert r.status_code == 200
    return dict(r.json())


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_contract_action_has_a_typed_operation(shared: Api,
                                                     openapi: dict[str, Any]) -> None:
    runtime = shared.demo.node.runtime
    for contract_name, contract in runtime.contracts.items():
        for action_name, action in contract.actions.items():
            path = f"/v1/contracts/{contract_name}/{action_name}"
            op = openapi["paths"][path]["post"]
            assert op["operationId"] == f"{contract_name}_{action_name}"
            body = resolve(openapi, op["requestBody"]["content"]["application/json"]["schema"])
            assert op["requestBody"]["required"] is True
            assert body["type"] == "object" and body["additionalProperties"] is False
            fields = {f.name: f for f in msgspec.structs.fields(action.args_type)}
            assert set(body["properties"]) == set(fields), path
            assert set(body.get("required", [])) == {n for n, f in fields.items() if f.required}
            hints = typing.get_type_hints(action.args_type)
            for name, prop in body["properties"].items():
                prop = resolve(openapi, prop)
                expected = {int: "integer", str: "string", bool: "boolean", bytes: "string"}
                if hints[name] in expected:
                    assert prop["type"] == expected[hints[name]], (path, name)
                if hints[name] is bytes:
                    assert prop["pattern"] == "^([0-9a-f]{2})*$", (path, name)
            assert "TxResult" in op["responses"]["200"]["content"]["application/json"][
                "schema"]["$ref"]
            for status in ("401", "403", "404", "409", "422"):
                assert op["responses"][status]["content"]["application/json"]["schema"][
                    "$ref"].endswith("/ErrorBody")


def test_each_action_body_schema_is_named_after_its_argument_type(
        shared: Api, openapi: dict[str, Any]) -> None:
    wrong = {}
    for contract_name, contract in shared.demo.node.runtime.contracts.items():
        for action_name, action in contract.actions.items():
            op = openapi["paths"][f"/v1/contracts/{contract_name}/{action_name}"]["post"]
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            name = schemas.model_name(contract_name, action.args_type)
            if ref != f"#/components/schemas/{name}":
                wrong[f"{contract_name}.{action_name}"] = ref
    assert wrong == {}
    ref = openapi["paths"]["/v1/contracts/receivable/settle"]["post"]["requestBody"]
    assert ref["content"]["application/json"]["schema"]["$ref"].endswith("/ReceivableCertRef")


def test_every_operation_documents_the_error_shape(openapi: dict[str, Any]) -> None:
    for path, ops in openapi["paths"].items():
        for method, op in ops.items():
            summary = op.get("summary", "")
            assert summary, (method, path)
            if path in ("/healthz", "/metrics"):
                continue
            for status in ("401", "403", "422"):
                schema = op["responses"][status]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ErrorBody"), (method, path, status)
