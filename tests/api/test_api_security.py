"""Holes a review found, each closed and kept closed: revoked credentials, probing,
co-signers' balances, governance by operators, proposals signed by disabled accounts,
relayed governance in batches, duplicates in a batch, and the vault's binding."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_support import Api, RouteRecorder, error

from smechain.api.accounts import Accounts
from smechain.api.server import Running, serve_in_thread
from smechain.client import sign_tx
from smechain.node.keys import generate_key


@pytest.fixture
def live(api: Api) -> Iterator[Running]:
    running = serve_in_thread(RouteRecorder(api.app), host="127.0.0.1")  # type: ignore[arg-type]
    yield running
    running.stop()


def test_an_event_stream_ends_when_its_key_is_revoked(api: Api, live: Running) -> None:
    created = api.ok("POST", "/v1/api-keys", as_="sme-t1/admin", status=201,
                     json={"name": "feed", "role": "viewer"})
    key = created["secret"]
    # API keys never travel in a URL
    r = httpx.get(f"{live.url}/v1/events?token={key}&limit=1", timeout=10)
    assert r.status_code == 401 and r.json()["error"]["field"] == "token"
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.stream("GET", f"{live.url}/v1/events", headers=headers,
                      timeout=httpx.Timeout(10.0)) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith(": smechain events")
        api.delete(f"/v1/api-keys/{created['key_id']}", "sme-t1/admin")
        api.ok("POST", "/v1/contracts/cash/transfer", as_="sme-t1/operator",
               json={"currency": "CNY", "to": "sme-t2", "amount": 1})
        rest = list(lines)  # the server closes the stream instead of sending the event
    assert not any(line.startswith("event:") for line in rest)


def test_refusals_do_not_reveal_who_holds_a_certificate(shared: Api) -> None:
    part = f"{shared.ids['certificate']}.2"  # held by bank-a
    for action, body in (("split", {"id": part, "amounts": [1, 2]}),
                         ("transfer", {"id": part, "to": "sme-t3"}),
                         ("settle", {"id": part})):
        detail = error(shared.post(f"/v1/contracts/receivable/{action}", "sme-t4/operator",
                                   json=body), 404, field="id", code="not_found")
        assert "bank-a" not in detail["message"]


def test_an_offer_does_not_reveal_the_buyers_balance(api: Api) -> None:
    poor = api.balance("bank-b")
    api.ok("POST", "/v1/contracts/cash/transfer", as_="bank-b/operator",
           json={"currency": "CNY", "to": "bank-a", "amount": poor - 5})
    part = f"{api.ids['certificate']}.1.1.1"  # sme-t4's 300,000.00
    detail = error(api.post("/v1/proposals", "sme-t4/operator", json={
        "contract": "receivable", "action": "sell", "cosigners": ["bank-b"],
        "args": {"id": part, "buyer": "bank-b", "discount_rate_bp": 500, "day_count": "ACT/365F",
                 "recourse": False}}), 409, field="cosigners", code="insufficient_funds")
    assert "bank-b" not in detail["message"] and "5" not in detail["message"]


def test_operators_cannot_withdraw_governance_votes(api: Api) -> None:
    vote = api.ok("POST", "/v1/proposals", as_="regulator/admin", status=201, json={
        "contract": "membership", "action": "suspend_org", "args": {"org": "sme-t4"},
        "cosigners": ["core-a"]})
    error(api.post(f"/v1/proposals/{vote['id']}/reject", "core-a/operator"), 403, field="role")
    assert api.ok("POST", f"/v1/proposals/{vote['id']}/reject",
                  as_="core-a/admin")["status"] == "rejected"


def test_a_disabled_senders_offer_cannot_be_completed(api: Api) -> None:
    offer = api.ids["offer_bank_a"]  # made by sme-t1/operator
    api.ok("PATCH", "/v1/users/operator", as_="sme-t1/admin", json={"disabled": True})
    stored = api.stored()
    detail = error(api.post(f"/v1/proposals/{offer}/sign", "bank-a/operator"), 409,
                   field="sender", code="no_key")
    assert "can no longer sign" in detail["message"]
    assert api.stored() == stored
    assert api.ok("GET", f"/v1/proposals/{offer}", as_="bank-a/viewer")["status"] == "open"


def test_a_batch_relays_no_governance_and_no_duplicates(api: Api) -> None:
    org_key = api.demo.platform.accounts.key("org:sme-t3")
    assert org_key is not None
    chain = api.demo.node.chain_id
    enrol = sign_tx(chain, "membership", "enrol_key", {
        "public_key": generate_key("ed25519").public, "name": "relay"}, [org_key],
        api.demo.node.nonce(org_key.public) + 1).hex()
    error(api.post("/v1/transactions/batch", "sme-t3/operator", json={"txs": [enrol]}), 403,
          field="txs[0]")
    key = api.demo.platform.accounts.key("user:sme-t3/operator")
    assert key is not None
    pay = sign_tx(chain, "cash", "transfer", {"currency": "CNY", "to": "sme-t4", "amount": 3},
                  [key], api.demo.node.nonce(key.public) + 1).hex()
    before = api.balance("sme-t4")
    results = api.ok("POST", "/v1/transactions/batch", as_="sme-t3/operator",
                     json={"txs": [pay, pay]})["results"]
    assert [(r["ok"], r["code"]) for r in results] == [(True, "ok"), (False, "duplicate")]
    assert api.balance("sme-t4") == before + 3


def test_stats_keep_currencies_apart(shared: Api) -> None:
    for row in shared.ok("GET", "/v1/stats/volumes", as_="regulator/viewer"):
        assert row["currency"] == "CNY"
    for row in shared.ok("GET", "/v1/stats/maturities?role=debtor", as_="core-a/viewer"):
        assert row["currency"] == "CNY"


def test_the_vault_binds_each_key_to_its_owner_and_checks_its_key(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path)
    a, b = generate_key("ed25519"), generate_key("ed25519")
    accounts.store_key("user:x/alice", a)
    accounts.store_key("user:x/bob", b)
    assert accounts.key("user:x/alice") == a
    accounts.close()
    db = sqlite3.connect(tmp_path / "api.sqlite")
    sealed = dict(db.execute("SELECT owner, sealed FROM vault"))
    db.execute("UPDATE vault SET sealed=? WHERE owner='user:x/alice'", (sealed["user:x/bob"],))
    db.commit()
    db.close()
    accounts = Accounts(tmp_path)
    with pytest.raises(RuntimeError, match="does not open"):
        accounts.key("user:x/alice")  # bob's sealed key moved under alice's name
    accounts.close()
    (tmp_path / "vault.key").write_bytes(b"\x01" * 32)
    with pytest.raises(RuntimeError, match="wrong vault key"):
        Accounts(tmp_path)


def test_a_passphrase_vault_leaves_no_passphrase_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMECHAIN_VAULT_PASSPHRASE", "correct horse")
    accounts = Accounts(tmp_path)
    key = generate_key("ed25519")
    accounts.store_key("org:x", key)
    accounts.close()
    assert "SMECHAIN_VAULT_PASSPHRASE" not in os.environ
    assert not (tmp_path / "vault.key").exists()
    monkeypatch.setenv("SMECHAIN_VAULT_PASSPHRASE", "correct horse")
    assert Accounts(tmp_path).key("org:x") == key
    monkeypatch.setenv("SMECHAIN_VAULT_PASSPHRASE", "wrong horse")
    with pytest.raises(RuntimeError, match="wrong vault key"):
        Accounts(tmp_path)


def test_password_guessing_is_cut_off_per_name(api: Api) -> None:
    for _ in range(5):
        error(api.login("sme-t2", "viewer", "not it"), 401, field="password")
    refused = error(api.login("sme-t2", "viewer", "not it"), 429, field="password",
                    code="too_many_attempts")
    assert "try again in" in refused["message"]
    # even the right password waits out the window; other names are not affected
    error(api.login("sme-t2", "viewer"), 429, field="password")
    assert api.login("sme-t2", "operator").status_code == 200


def test_a_peers_databases_are_private_to_its_owner(api: Api) -> None:
    """Password hashes, sealed keys, sessions, the ledger and the index: mode 0600."""
    ledger = Path(api.demo.node.store.path)  # type: ignore[attr-defined]
    files = [ledger, *(ledger.parent / name for name in ("api.sqlite", "index.sqlite"))]
    for path in files:
        assert path.is_file(), path
        assert path.stat().st_mode & 0o777 == 0o600, (path, oct(path.stat().st_mode))
