"""Non-custodial submission: transactions the client signed itself, alone or in batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import Api, covers, error, seeded_api

from demo_template import DemoTemplate
from smechain.client import sign_tx
from smechain.node.keys import KeyPair, generate_key

TRANSFER = {"currency": "CNY", "to": "sme-t2", "amount": 1, "memo": ""}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("transactions-demo") / "demo", demo_template)
    yield api
    api.close()


def vault_key(api: Api, owner: str = "user:sme-t1/operator") -> KeyPair:
    key = api.demo.platform.accounts.key(owner)
    assert key is not None
    return key


def signed(api: Api, key: KeyPair, args: dict[str, Any], nonce: int,
           contract: str = "cash", action: str = "transfer",
           cosigners: tuple[KeyPair, ...] = ()) -> str:
    return sign_tx(api.demo.node.chain_id, contract, action, args, [key, *cosigners],
                   nonce).hex()


def next_nonce(api: Api, key: KeyPair, who: str = "sme-t1/operator") -> int:
    found = api.ok("GET", f"/v1/nonces/{key.public.hex()}", as_=who)
    assert found["public_key"] == key.public.hex()
    return int(found["nonce"]) + 1


@covers("GET /v1/nonces/{public_key}", "POST /v1/transactions", "GET /v1/transactions/{tx_hash}")
def test_signed_transaction_commits(ledger: Api) -> None:
    key = vault_key(ledger)
    nonce = next_nonce(ledger, key)
    a, b = ledger.balance("sme-t1"), ledger.balance("sme-t2")
    result = ledger.ok("POST", "/v1/transactions", as_="sme-t1/operator",
                       json={"tx": signed(ledger, key, {**TRANSFER, "amount": 250}, nonce)})
    assert result["status"] == "committed" and result["ok"] is True
    assert [e["name"] for e in result["events"]] == ["Transferred"]
    assert (ledger.balance("sme-t1"), ledger.balance("sme-t2")) == (a - 250, b + 250)
    assert next_nonce(ledger, key) == nonce + 1
    detail = ledger.ok("GET", f"/v1/transactions/{result['tx_hash']}", as_="sme-t1/viewer")
    assert detail["nonce"] == nonce
    assert detail["signers"] == [{"public_key": key.public.hex(), "org": "sme-t1"}]


@covers("POST /v1/transactions")
def test_replayed_bytes_do_not_move_money_twice(ledger: Api) -> None:
    key = vault_key(ledger)
    tx = signed(ledger, key, {**TRANSFER, "amount": 40}, next_nonce(ledger, key))
    first = ledger.ok("POST", "/v1/transactions", as_="sme-t1/operator", json={"tx": tx})
    assert first["ok"] is True
    held = ledger.balance("sme-t2")
    ledger.post("/v1/transactions", "sme-t1/operator", json={"tx": tx})
    assert ledger.balance("sme-t2") == held


@covers("POST /v1/transactions")
def test_replaying_committed_bytes_is_409_and_orders_nothing(api: Api) -> None:
    key = vault_key(api)
    tx = signed(api, key, TRANSFER, next_nonce(api, key))
    first = api.ok("POST", "/v1/transactions", as_="sme-t1/operator", json={"tx": tx})
    stored = api.stored()
    detail = error(api.post("/v1/transactions", "sme-t1/operator", json={"tx": tx}), 409,
                   field="tx", code="duplicate")
    assert first["tx_hash"] in detail["message"] and f"height {first['height']}" in \
        detail["message"]
    batch = api.ok("POST", "/v1/transactions/batch", as_="sme-t1/operator",
                   json={"txs": [tx]})["results"]
    assert [(r["status"], r["code"]) for r in batch] == [("refused", "duplicate")]
    assert api.stored() == stored


@covers("POST /v1/transactions", "GET /v1/transactions/{tx_hash}")
@pytest.mark.parametrize(("offset", "word"), [(-1, "replayed"), (+4, "out of order")])
def test_wrong_nonce_fails_on_chain_with_tx_hash_and_height(ledger: Api, offset: int,
                                                            word: str) -> None:
    key = vault_key(ledger)
    before = ledger.balance("sme-t2")
    nonce = next_nonce(ledger, key) + offset
    # An amount no other test sends: these bytes must differ from any committed ones
    # (bytes already on the chain are refused before ordering, as a duplicate).
    odd = {**TRANSFER, "amount": 9_990 + offset}
    detail = error(ledger.post("/v1/transactions", "sme-t1/operator",
                               json={"tx": signed(ledger, key, odd, nonce)}), 409,
                   field="nonce", code="bad_nonce")
    assert word in detail["message"]
    assert detail["height"] == ledger.height()
    # the failure receipt is on the chain, where the sender's organisation can read it
    on_chain = ledger.ok("GET", f"/v1/transactions/{detail['tx_hash']}", as_="sme-t1/viewer")
    assert on_chain["height"] == detail["height"]
    assert (on_chain["receipt"]["ok"], on_chain["receipt"]["code"]) == (False, "bad_nonce")
    assert ledger.balance("sme-t2") == before


@covers("POST /v1/transactions")
def test_ledger_failures_keep_their_status_and_field(ledger: Api) -> None:
    key = vault_key(ledger)
    detail = error(ledger.post("/v1/transactions", "sme-t1/operator", json={
        "tx": signed(ledger, key, {**TRANSFER, "amount": 0}, next_nonce(ledger, key))}),
        422, field="args.amount", code="bad_args")  # out of its type's bounds, as decoded
    assert detail["tx_hash"] and detail["height"] == ledger.height()

    stranger = generate_key("ed25519")
    detail = error(ledger.post("/v1/transactions", "sme-t1/operator",
                               json={"tx": signed(ledger, stranger, TRANSFER, 1)}),
                   403, field="signers", code="unknown_signer")
    assert detail["tx_hash"]

    raw = bytearray(bytes.fromhex(signed(ledger, key, TRANSFER, next_nonce(ledger, key))))
    raw[-3] ^= 1  # inside the signature
    detail = error(ledger.post("/v1/transactions", "sme-t1/operator",
                               json={"tx": bytes(raw).hex()}), 403, code="bad_signature")
    assert detail["tx_hash"]


@covers("POST /v1/transactions")
def test_malformed_transactions_are_422_naming_tx(ledger: Api) -> None:
    stored = ledger.stored()
    for tx, code in [("deadbeef", "malformed"), ("", "malformed"), ("00" * 300, "malformed"),
                     ("zz", "bad_args"), ("DEADBEEF", "bad_args"), ("abc", "bad_args"),
                     ("de ad", "bad_args")]:
        r = ledger.post("/v1/transactions", "sme-t1/operator", json={"tx": tx})
        detail = error(r, 422, field="tx", code=code)
        assert "tx_hash" not in detail
    key = vault_key(ledger)
    other_chain = sign_tx("another-chain", "cash", "transfer", TRANSFER, [key],
                          next_nonce(ledger, key)).hex()
    error(ledger.post("/v1/transactions", "sme-t1/operator", json={"tx": other_chain}), 422,
          field="tx", code="malformed")
    error(ledger.post("/v1/transactions", "sme-t1/operator", json={}), 422, field="tx")
    error(ledger.post("/v1/transactions", "sme-t1/operator", json={"tx": 12}), 422, field="tx")
    assert ledger.stored() == stored  # none of it reached the ledger


@covers("POST /v1/transactions", "POST /v1/transactions/batch")
def test_regulator_does_not_relay_signed_business_transactions(ledger: Api) -> None:
    key = vault_key(ledger)
    tx = signed(ledger, key, TRANSFER, next_nonce(ledger, key))
    stored = ledger.stored()
    error(ledger.post("/v1/transactions", "regulator/admin", json={"tx": tx}), 403, field="org")
    error(ledger.post("/v1/transactions", "regulator/operator", json={"tx": tx}), 403,
          field="org")
    error(ledger.post("/v1/transactions/batch", "regulator/operator", json={"txs": [tx]}), 403,
          field="org")
    error(ledger.post("/v1/transactions/batch", "regulator/viewer", json={"txs": [tx]}), 403,
          field="role")
    error(ledger.post("/v1/transactions", json={"tx": tx}), 401)
    assert ledger.stored() == stored


@covers("POST /v1/transactions", "GET /v1/orgs/{org_id}")
def test_regulator_relays_a_governance_vote_signed_by_two_governing_admins(api: Api) -> None:
    """Regulators submit governance (membership) transactions only: here one signed with
    the regulator's and bank-a's organisation keys, the quorum of two."""
    regulator, bank = vault_key(api, "org:regulator"), vault_key(api, "org:bank-a")
    nonce = api.nonce(regulator.public.hex()) + 1
    vote = signed(api, regulator, {"org": "sme-t4"}, nonce, "membership", "suspend_org", (bank,))
    error(api.post("/v1/transactions", "regulator/viewer", json={"tx": vote}), 403,
          field="role")
    done = api.ok("POST", "/v1/transactions", as_="regulator/admin", json={"tx": vote})
    assert [e["name"] for e in done["events"]] == ["OrgSuspended"]
    assert api.ok("GET", "/v1/orgs/sme-t4", as_="bank-a/viewer")["status"] == "suspended"


@covers("POST /v1/transactions/batch")
def test_batch_answers_one_result_per_transaction_in_order(ledger: Api) -> None:
    key = vault_key(ledger)
    nonce = next_nonce(ledger, key)
    good = [signed(ledger, key, {**TRANSFER, "amount": 10 + i}, nonce + i) for i in range(3)]
    before = ledger.balance("sme-t2")
    results = ledger.ok("POST", "/v1/transactions/batch", as_="sme-t1/operator",
                        json={"txs": [good[0], good[1], "deadbeef", good[2]]})["results"]
    assert [r["status"] for r in results] == ["committed", "committed", "refused", "committed"]
    assert [r["ok"] for r in results] == [True, True, False, True]
    assert results[2]["code"] == "malformed" and results[2]["tx_hash"] == ""
    assert [r["events"][0]["attrs"]["amount"] for r in results if r["ok"]] == [10, 11, 12]
    assert ledger.balance("sme-t2") == before + 33
    assert next_nonce(ledger, key) == nonce + 3


@covers("POST /v1/transactions/batch")
def test_batch_without_waiting_answers_queued(ledger: Api) -> None:
    key = vault_key(ledger)
    nonce = next_nonce(ledger, key)
    txs = [signed(ledger, key, TRANSFER, nonce + i) for i in range(2)]
    results = ledger.ok("POST", "/v1/transactions/batch", as_="sme-t1/operator",
                        json={"txs": txs, "wait": False})["results"]
    assert [r["status"] for r in results] == ["queued", "queued"]
    receipt = ledger.demo.node.wait(bytes.fromhex(results[1]["tx_hash"]), 10)
    assert receipt.ok


@covers("POST /v1/transactions/batch")
def test_batch_is_checked(ledger: Api) -> None:
    stored = ledger.stored()
    error(ledger.post("/v1/transactions/batch", "sme-t1/operator",
                      json={"txs": ["00"] * 5001}), 422, field="txs", code="bad_args")
    error(ledger.post("/v1/transactions/batch", "sme-t1/operator", json={"txs": []}), 422,
          field="txs")
    error(ledger.post("/v1/transactions/batch", "sme-t1/operator",
                      json={"txs": ["00", "not-hex"]}), 422, field="txs[1]")
    error(ledger.post("/v1/transactions/batch", "sme-t1/operator",
                      json={"txs": ["00"], "wait": "soon"}), 422, field="wait")
    assert ledger.stored() == stored


@covers("POST /v1/transactions/batch")
def test_batch_of_5000_is_accepted(ledger: Api) -> None:
    results = ledger.ok("POST", "/v1/transactions/batch", as_="sme-t1/operator",
                        json={"txs": ["00"] * 5000})["results"]
    assert len(results) == 5000 and {r["status"] for r in results} == {"refused"}


@covers("GET /v1/nonces/{public_key}")
def test_nonce_lookups(shared: Api) -> None:
    fresh = generate_key("ed25519").public.hex()
    assert shared.ok("GET", f"/v1/nonces/{fresh}", as_="bank-b/viewer") == {
        "public_key": fresh, "nonce": 0}
    used = shared.public_key("sme-t1/operator")
    assert shared.ok("GET", f"/v1/nonces/{used}", as_="bank-b/viewer")["nonce"] > 0
    error(shared.get("/v1/nonces/abcd", "bank-b/viewer"), 422, field="public_key")
    error(shared.get(f"/v1/nonces/{'zz' * 32}", "bank-b/viewer"), 422, field="public_key")
    error(shared.get(f"/v1/nonces/{fresh}"), 401)


@covers("POST /v1/transactions", "GET /v1/certificates/{cert_id}")
def test_two_party_sale_signed_by_both_keys_outside_the_peer(api: Api) -> None:
    """A multi-party transaction signed by both parties' own keys needs no proposal."""
    seller, buyer = vault_key(api), vault_key(api, "user:bank-b/operator")
    cert = api.ids["second"]
    a, b = api.balance("sme-t1"), api.balance("bank-b")
    tx = signed(api, seller, {"id": cert, "buyer": "bank-b", "discount_rate_bp": 300,
                              "day_count": "ACT/360", "recourse": False},
                next_nonce(api, seller), "receivable", "sell",
                (buyer,))
    result = api.ok("POST", "/v1/transactions", as_="bank-b/operator", json={"tx": tx})
    sold = result["events"][-1]
    assert sold["name"] == "CertificateSold"
    price = sold["attrs"]["price"]
    assert 0 < price < 120_000_000
    assert (api.balance("sme-t1"), api.balance("bank-b")) == (a + price, b - price)
    found = api.ok("GET", f"/v1/certificates/{cert}", as_="bank-b/viewer")["certificate"]
    assert found["holder"] == "bank-b" and found["recourse_to"] == ""


@covers("POST /v1/transactions", "POST /v1/transactions/batch")
def test_viewers_do_not_submit_signed_transactions(ledger: Api) -> None:
    """Viewers submit nothing, not even bytes someone else signed (relayed before 182bbc4)."""
    key = vault_key(ledger)
    nonce = next_nonce(ledger, key)
    stored = ledger.stored()
    r = ledger.post("/v1/transactions", "sme-t1/viewer",
                    json={"tx": signed(ledger, key, TRANSFER, nonce)})
    error(r, 403, field="role")
    r = ledger.post("/v1/transactions/batch", "sme-t1/viewer",
                    json={"txs": [signed(ledger, key, TRANSFER, nonce + 1)]})
    error(r, 403, field="role")
    assert ledger.stored() == stored
