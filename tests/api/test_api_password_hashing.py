"""Password hashes: the production cost stays strong, every hash records the cost it was made
at, and hashes stored before costs were recorded still sign their users in.

The suite hashes at a trivial cost (``tests/conftest.py``); these tests make sure that this
never leaks into what the product does."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from smechain.api import accounts
from smechain.api.accounts import (
    ACCOUNTS_FILE,
    PASSWORD_COST,
    Accounts,
    ScryptCost,
    check_password,
    hash_password,
)


def test_a_peer_hashes_new_passwords_at_the_production_cost() -> None:
    # A fresh interpreter, as a peer starts: nothing the suite set reaches it.
    code = ("from smechain.api.accounts import hash_password; "
            "print(hash_password('correct horse'))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    stored = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True, env=env, timeout=60).stdout.strip()
    scheme, cost, salt, digest = stored.split("$")
    assert (scheme, cost) == ("scrypt", "ln=14,r=8,p=1")
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert check_password("correct horse", stored)
    # The production cost itself: at least 2^14 x 8 (16 MiB of memory per check).
    assert PASSWORD_COST.log2_n >= 14 and PASSWORD_COST.r >= 8 and PASSWORD_COST.p >= 1


def test_a_hash_is_checked_at_the_cost_it_records(production_password_cost: ScryptCost) -> None:
    cheap = hash_password("s3cret", cost=ScryptCost(4, 8, 1))
    assert cheap.split("$")[1] == "ln=4,r=8,p=1"
    assert check_password("s3cret", cheap)  # though new hashes are now made at 2^14
    assert not check_password("S3cret", cheap)
    strong = hash_password("s3cret")
    assert strong.split("$")[1] == "ln=14,r=8,p=1"
    # Claiming another cost for the same salt and digest is a wrong password, not a crash.
    _, _, salt, digest = cheap.split("$")
    for forged in (f"scrypt$ln=5,r=8,p=1${salt}${digest}", f"scrypt$ln=4,r=8${salt}${digest}",
                   f"scrypt$ln=40,r=8,p=1${salt}${digest}", f"bcrypt$ln=4,r=8,p=1${salt}${digest}",
                   f"scrypt${salt}${digest}"):
        assert not check_password("s3cret", forged), forged


def test_a_hash_stored_before_costs_were_recorded_still_signs_in(tmp_path: Path) -> None:
    salt = os.urandom(16)
    digest = hashlib.scrypt(b"old password", salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt${salt.hex()}${digest.hex()}"
    assert check_password("old password", legacy)
    assert not check_password("new password", legacy)

    # A records file written before: the user's row holds the old form.
    Accounts(tmp_path).close()
    with sqlite3.connect(tmp_path / ACCOUNTS_FILE) as db:
        db.execute("INSERT INTO users (org, username, role, password, created_ms) "
                   "VALUES ('sme-t1', 'veteran', 'operator', ?, 0)", (legacy,))
    db.close()
    records = Accounts(tmp_path)
    try:
        token, _, account = records.login("sme-t1", "veteran", "old password")
        assert token and account.name == "veteran"
        with pytest.raises(accounts.AccountError) as refused:
            records.login("sme-t1", "veteran", "new password")
        assert refused.value.status == 401
    finally:
        records.close()
