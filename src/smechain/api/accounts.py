"""The peer's own records for its API: users, sessions, API keys, custodial keys, audit, proposals.

None of this is ledger state: it belongs to the organisations this peer serves
and lives in one SQLite file beside the ledger (``api.sqlite``).

- Passwords are kept as scrypt hashes (16-byte salt, n=2^14, r=8, p=1), each recording
  its own cost (``scrypt$ln=14,r=8,p=1$<salt>$<hash>``), so a check never depends on the
  current setting; hashes of the older form ``scrypt$<salt>$<hash>`` were made at that cost.
- Session tokens and API key secrets are 256-bit random strings; only their
  SHA-256 digest is stored, so a copy of the file gives no way in.
- Private keys held for custodial signing are sealed with XChaCha20-Poly1305
  (libsodium), bound to their owner's name, under the vault key: 32 bytes
  derived with scrypt from ``SMECHAIN_VAULT_PASSPHRASE`` and this file's own
  salt when set, else read from ``vault.key`` (mode 0600) beside the file,
  created on first use. Keep that file off the data volume in production.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import nacl.bindings as aead
import nacl.exceptions

from smechain.api.throttle import LoginLimits
from smechain.node.keys import KeyPair
from smechain.storage.sqlite import connect_private

ACCOUNTS_FILE = "api.sqlite"
VAULT_KEY_FILE = "vault.key"
SESSION_TTL_MS = 8 * 3600 * 1000
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
"""The production scrypt cost, of password hashes and of the vault passphrase."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    org TEXT NOT NULL, username TEXT NOT NULL, role TEXT NOT NULL, password TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,
    PRIMARY KEY (org, username));
CREATE TABLE IF NOT EXISTS sessions (
    digest BLOB PRIMARY KEY, org TEXT NOT NULL, username TEXT NOT NULL,
    expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY, org TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
    digest BLOB NOT NULL UNIQUE, created_ms INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS vault (
    owner TEXT PRIMARY KEY, suite TEXT NOT NULL, public BLOB NOT NULL, sealed BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, org TEXT NOT NULL, actor TEXT NOT NULL,
    method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_org ON audit (org, id);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS proposals (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, created_ms INTEGER NOT NULL);
"""


class Role(StrEnum):
    """A user's role inside its organisation."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


def can_submit(role: str) -> bool:
    """Operators and admins submit transactions; viewers only read."""
    return role in (Role.OPERATOR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Account:
    """Who is calling: a user or an API key of an organisation."""

    org: str
    name: str
    """The username, or ``key:<key_id>`` for an API key."""
    role: str

    @property
    def vault_owner(self) -> str:
        """Vault entry of this account's signing key."""
        return f"user:{self.org}/{self.name}"


class AccountError(ValueError):
    """A refused account operation; ``field`` names the input at fault; ``retry_after_s``
    (for a 429) says when trying again may succeed."""

    def __init__(self, status: int, field: str, message: str,
                 retry_after_s: int | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.status = status
        self.field = field
        self.retry_after_s = retry_after_s


def _too_many(reason: str, wait_ms: int) -> AccountError:
    wait_s = wait_ms // 1000 + 1
    return AccountError(429, "password", f"{reason}; try again in {wait_s} s",
                        retry_after_s=wait_s)


@dataclass(frozen=True, slots=True)
class ScryptCost:
    """The cost of an scrypt hash: n = 2**log2_n, block size r, parallelism p."""

    log2_n: int
    r: int
    p: int

    def encode(self) -> str:
        """``ln=14,r=8,p=1``, as a stored hash records it."""
        return f"ln={self.log2_n},r={self.r},p={self.p}"

    @classmethod
    def decode(cls, text: str) -> ScryptCost:
        """The cost ``encode`` wrote; ``ValueError`` for anything else or out of bounds."""
        fields = dict(part.split("=", 1) for part in text.split(","))
        if set(fields) != {"ln", "r", "p"}:
            raise ValueError(f"not an scrypt cost: {text!r}")
        cost = cls(int(fields["ln"]), int(fields["r"]), int(fields["p"]))
        if not (cost.log2_n >= 1 and cost.r >= 1 and 1 <= cost.p <= 16
                and 128 * cost.r * 2**cost.log2_n <= _SCRYPT_MAXMEM // 2):
            raise ValueError(f"scrypt cost out of bounds: {text!r}")
        return cost


_SCRYPT_MAXMEM = 2**29
"""Memory scrypt may take for one password check (n=2^14, r=8 takes 16 MiB)."""

PASSWORD_COST = ScryptCost(14, SCRYPT["r"], SCRYPT["p"])
"""The cost of new password hashes in production (~50 ms of one core)."""

_password_cost = PASSWORD_COST


def use_password_cost(cost: ScryptCost) -> ScryptCost:
    """Hash new passwords at ``cost`` from now on; returns the cost used until now.

    For test suites only, which create and check thousands of passwords: nothing in
    the product calls it, and no setting or environment variable reaches it. Hashes
    already stored keep the cost they record.
    """
    global _password_cost
    previous, _password_cost = _password_cost, cost
    return previous


def _scrypt(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**cost.log2_n, r=cost.r, p=cost.p,
                          dklen=SCRYPT["dklen"], maxmem=_SCRYPT_MAXMEM)


def hash_password(password: str, salt: bytes | None = None,
                  cost: ScryptCost | None = None) -> str:
    """``scrypt$ln=<log2 n>,r=<r>,p=<p>$<salt hex>$<hash hex>`` of a password, at ``cost``
    (by default the current one: ``PASSWORD_COST`` unless a test suite chose another)."""
    salt = salt or os.urandom(16)
    cost = cost or _password_cost
    return f"scrypt${cost.encode()}${salt.hex()}${_scrypt(password, salt, cost).hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a stored scrypt hash, at the cost the hash records
    (``PASSWORD_COST`` for the older form without one); constant-time compare."""
    try:
        parts = stored.split("$")
        if len(parts) == 3:
            scheme, salt, digest = parts
            cost = PASSWORD_COST
        else:
            scheme, text, salt, digest = parts
            cost = ScryptCost.decode(text)
        if scheme != "scrypt":
            return False
        expected = _scrypt(password, bytes.fromhex(salt), cost)
        return hmac.compare_digest(expected, bytes.fromhex(digest))
    except ValueError:
        return False


WRONG_PASSWORD = "wrong organisation, username or password"


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _now_ms() -> int:
    return int(time.time() * 1000)


class Accounts:
    """The peer's account records in ``folder / api.sqlite``; safe to use from any thread."""

    def __init__(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._db = connect_private(folder / ACCOUNTS_FILE)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._vault_key = self._open_vault(folder)
        self.limits = LoginLimits()
        """Wrong passwords per name and address, per name and per address; hashing slots."""
        self._cache: dict[bytes, tuple[Account, int]] = {}
        """Token digest -> (account, expiry ms): sign-in checks never touch the disk."""

    def _open_vault(self, folder: Path) -> bytes:
        """The vault key: from ``SMECHAIN_VAULT_PASSPHRASE`` (scrypt with this file's own
        salt; the variable is then removed from the environment) or ``vault.key``.
        A check value sealed on first use proves at start-up that it is the right key."""
        salt = self._meta("vault_salt", os.urandom(16))
        passphrase = os.environ.pop("SMECHAIN_VAULT_PASSPHRASE", None)
        if passphrase:
            key = hashlib.scrypt(passphrase.encode(), salt=salt, **SCRYPT)
        else:
            path = folder / VAULT_KEY_FILE
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(os.urandom(32))
            key = path.read_bytes()
            if len(key) != 32:
                raise RuntimeError(f"{path}: a vault key is 32 bytes, found {len(key)}")
        check = self._meta("vault_check", _seal(key, b"smechain", b"check"))
        try:
            _open(key, check, b"check")
        except nacl.exceptions.CryptoError:
            raise RuntimeError("vault: wrong vault key or passphrase for this api.sqlite") from None
        return key

    def _meta(self, name: str, default: bytes) -> bytes:
        """A value of this file, set to ``default`` the first time it is asked for."""
        self._db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (name, default))
        return bytes(self._db.execute("SELECT v FROM meta WHERE k=?", (name,)).fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def _one(self, sql: str, args: tuple[Any, ...]) -> Any:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _run(self, sql: str, args: tuple[Any, ...]) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # --- users ----------------------------------------------------------------

    def add_user(self, org: str, username: str, password: str, role: str) -> Account:
        """Create a user; ``AccountError`` (409) when the name is taken."""
        try:
            self._run("INSERT INTO users (org, username, role, password, created_ms) "
                      "VALUES (?, ?, ?, ?, ?)",
                      (org, username, role, hash_password(password), _now_ms()))
        except sqlite3.IntegrityError:
            raise AccountError(409, "username", f"{username!r} already exists in {org!r}") from None
        return Account(org, username, role)

    def user(self, org: str, username: str) -> dict[str, Any] | None:
        """A user's record without its password hash."""
        row = self._one("SELECT role, disabled, created_ms FROM users WHERE org=? AND username=?",
                        (org, username))
        if row is None:
            return None
        return {"org": org, "username": username, "role": row[0], "disabled": bool(row[1]),
                "created_ms": row[2]}

    def users(self, org: str) -> list[dict[str, Any]]:
        """Every user of ``org``, by name."""
        rows = self._all("SELECT username FROM users WHERE org=? ORDER BY username", (org,))
        return [u for (name,) in rows if (u := self.user(org, name)) is not None]

    def update_user(self, org: str, username: str, role: str | None = None,
                    password: str | None = None, disabled: bool | None = None) -> dict[str, Any]:
        """Change a user's role, password or disabled flag; its sessions end."""
        if self.user(org, username) is None:
            raise AccountError(404, "username", f"no user {username!r} in {org!r}")
        with self._lock:
            if role is not None:
                self._db.execute("UPDATE users SET role=? WHERE org=? AND username=?",
                                 (role, org, username))
            if password is not None:
                self._db.execute("UPDATE users SET password=? WHERE org=? AND username=?",
                                 (hash_password(password), org, username))
            if disabled is not None:
                self._db.execute("UPDATE users SET disabled=? WHERE org=? AND username=?",
                                 (int(disabled), org, username))
            self._db.execute("DELETE FROM sessions WHERE org=? AND username=?", (org, username))
            self._cache = {d: v for d, v in self._cache.items()
                           if (v[0].org, v[0].name) != (org, username)}
        user = self.user(org, username)
        assert user is not None
        return user

    # --- sessions and API keys ------------------------------------------------

    def login(self, org: str, username: str, password: str,
              client: str = "") -> tuple[str, int, Account]:
        """A new session token for a correct password; ``AccountError`` (401) otherwise.

        ``client`` is the caller's address as the server reports it. Wrong passwords are
        counted per name and address, per name and per address (``self.limits``): one
        with too many within the window is refused (429, ``retry_after_s`` set) before
        any hashing, so passwords cannot be guessed at scrypt speed, not even spread over
        many names, while a stranger's guesses lock a name out for the stranger only
        (until they pass ``MAX_NAME_FAILURES_ALL`` from all addresses together). A name
        that does not exist is refused without hashing, so made-up names cannot keep the
        password checks busy; the answer is the same, though its speed may tell that
        the name does not exist (usernames are not secrets here: admin, operator...).
        The password check waits for one of a bounded number of slots; when too many
        already wait, 429 (retry after 1 s) instead of a queue that slows every request.
        """
        now = _now_ms()
        name = (org, username)
        pair = (org, username, client)
        limits = self.limits
        wait_ms = limits.addresses.refused_ms(client, now)
        if wait_ms:
            raise _too_many(f"too many wrong passwords from {client or 'this address'}",
                            wait_ms)
        wait_ms = max(limits.pairs.refused_ms(pair, now), limits.names.refused_ms(name, now))
        if wait_ms:
            raise _too_many(f"too many wrong passwords for {username!r}", wait_ms)
        row = self._one("SELECT role, password, disabled FROM users WHERE org=? AND username=?",
                        (org, username))
        if row is None:
            limits.addresses.add(client, now)
            raise AccountError(401, "password", WRONG_PASSWORD)
        if not limits.slots.acquire():
            raise AccountError(429, "password", "the peer is busy checking other sign-ins; "
                                                "try again in 1 s", retry_after_s=1)
        try:
            correct = check_password(password, row[1])
        finally:
            limits.slots.release()
        if not correct:
            now = _now_ms()
            limits.pairs.add(pair, now)
            limits.names.add(name, now)
            limits.addresses.add(client, now)
            raise AccountError(401, "password", WRONG_PASSWORD)
        limits.pairs.clear(pair)
        if row[2]:
            raise AccountError(403, "username", f"user {username!r} is disabled")
        token = "sms_" + secrets.token_urlsafe(32)
        expires = _now_ms() + SESSION_TTL_MS
        self._run("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                  (_digest(token), org, username, expires))
        return token, expires, Account(org, username, row[0])

    def logout(self, token: str) -> None:
        """End a session."""
        digest = _digest(token)
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE digest=?", (digest,))
            self._cache.pop(digest, None)

    def add_api_key(self, org: str, name: str, role: str) -> tuple[str, str, Account]:
        """A new API key: ``(key_id, secret, account)``; the secret is not kept."""
        key_id = secrets.token_hex(8)
        secret = f"smk_{key_id}_{secrets.token_urlsafe(32)}"
        self._run("INSERT INTO api_keys (key_id, org, name, role, digest, created_ms) "
                  "VALUES (?, ?, ?, ?, ?, ?)", (key_id, org, name, role, _digest(secret),
                                                _now_ms()))
        return key_id, secret, Account(org, f"key:{key_id}", role)

    def api_keys(self, org: str) -> list[dict[str, Any]]:
        """The API keys of ``org``, without secrets."""
        rows = self._all("SELECT key_id, name, role, created_ms, revoked FROM api_keys "
                         "WHERE org=? ORDER BY created_ms", (org,))
        return [{"key_id": r[0], "name": r[1], "role": r[2], "created_ms": r[3],
                 "revoked": bool(r[4])} for r in rows]

    def revoke_api_key(self, org: str, key_id: str) -> None:
        """Revoke one of ``org``'s API keys at once."""
        if not self._run("UPDATE api_keys SET revoked=1 WHERE org=? AND key_id=? AND revoked=0",
                         (org, key_id)):
            raise AccountError(404, "key_id", f"no active API key {key_id!r} in {org!r}")
        self._run("DELETE FROM vault WHERE owner=?", (f"user:{org}/key:{key_id}",))
        with self._lock:
            self._cache = {d: v for d, v in self._cache.items()
                           if (v[0].org, v[0].name) != (org, f"key:{key_id}")}

    def authenticate(self, token: str) -> Account | None:
        """The account a session token or API key belongs to, or ``None``."""
        digest = _digest(token)
        hit = self._cache.get(digest)
        now = _now_ms()
        if hit is not None:
            if hit[1] > now:
                return hit[0]
            self._cache.pop(digest, None)
            return None
        with self._lock:  # one hold: a revoke cannot slip between the read and the cache
            if token.startswith("smk_"):
                row = self._db.execute("SELECT org, key_id, role FROM api_keys WHERE digest=? "
                                       "AND revoked=0", (digest,)).fetchone()
                found = None if row is None else (Account(row[0], f"key:{row[1]}", row[2]),
                                                  2**62)
            else:
                row = self._db.execute(
                    "SELECT s.org, s.username, u.role, s.expires_ms FROM sessions s JOIN users u "
                    "ON u.org=s.org AND u.username=s.username WHERE s.digest=? AND u.disabled=0",
                    (digest,)).fetchone()
                found = None if row is None or row[3] <= now else (Account(*row[:3]), row[3])
            if found is None:
                return None
            self._cache[digest] = found
        return found[0]

    def signs(self, owner: str) -> bool:
        """Whether the account behind a vault entry may still sign: it exists, is enabled
        (not revoked) and has a role that submits. Organisation keys always may."""
        kind, _, rest = owner.partition(":")
        if kind == "org":
            return True
        org, _, name = rest.partition("/")
        if name.startswith("key:"):
            row = self._one("SELECT role FROM api_keys WHERE org=? AND key_id=? AND revoked=0",
                            (org, name[4:]))
        else:
            row = self._one("SELECT role FROM users WHERE org=? AND username=? AND disabled=0",
                            (org, name))
        return row is not None and can_submit(row[0])

    def remove_user(self, org: str, username: str) -> None:
        """Undo ``add_user`` (when setting the user up failed half-way)."""
        self._run("DELETE FROM users WHERE org=? AND username=?", (org, username))

    def remove_api_key(self, org: str, key_id: str) -> None:
        """Undo ``add_api_key`` (when setting the key up failed half-way)."""
        self._run("DELETE FROM api_keys WHERE org=? AND key_id=?", (org, key_id))

    # --- custodial keys -------------------------------------------------------

    def store_key(self, owner: str, key: KeyPair) -> None:
        """Keep ``key`` sealed under the vault key, bound to ``owner``."""
        sealed = _seal(self._vault_key, key.private, owner.encode())
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO vault VALUES (?, ?, ?, ?)",
                             (owner, key.suite, key.public, sealed))

    def key(self, owner: str) -> KeyPair | None:
        """The key held for ``owner``, unsealed, or ``None``."""
        row = self._one("SELECT suite, public, sealed FROM vault WHERE owner=?", (owner,))
        if row is None:
            return None
        try:
            private = _open(self._vault_key, row[2], owner.encode())
        except nacl.exceptions.CryptoError:
            raise RuntimeError(f"vault: the key of {owner!r} does not open (altered, or "
                               "moved from another entry)") from None
        return KeyPair(row[0], private, row[1])

    def public_key(self, owner: str) -> bytes | None:
        """The public half of the key held for ``owner``, without unsealing it."""
        row = self._one("SELECT public FROM vault WHERE owner=?", (owner,))
        return None if row is None else bytes(row[0])

    # --- audit ----------------------------------------------------------------

    def audit(self, org: str, actor: str, method: str, path: str, status: int,
              detail: str) -> None:
        """Record one state-changing call."""
        self._run("INSERT INTO audit (ts_ms, org, actor, method, path, status, detail) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)", (_now_ms(), org, actor, method, path, status,
                                                   detail))

    def audit_log(self, org: str | None, offset: int, limit: int
                  ) -> tuple[list[dict[str, Any]], int]:
        """Audit rows of ``org`` (every organisation for ``None``), newest first."""
        where, args = ("WHERE org=?", (org,)) if org is not None else ("", ())
        total = self._one(f"SELECT count(*) FROM audit {where}", args)[0]
        rows = self._all(f"SELECT id, ts_ms, org, actor, method, path, status, detail FROM audit "
                         f"{where} ORDER BY id DESC LIMIT ? OFFSET ?", (*args, limit, offset))
        names = ("id", "ts_ms", "org", "actor", "method", "path", "status", "detail")
        return [dict(zip(names, r, strict=True)) for r in rows], total

    # --- proposals ------------------------------------------------------------

    def put_proposal(self, doc: dict[str, Any]) -> None:
        """Store or replace a proposal document (JSON-able)."""
        self._run("INSERT OR REPLACE INTO proposals VALUES (?, ?, ?)",
                  (doc["id"], json.dumps(doc), doc["created_ms"]))

    def proposal(self, proposal_id: str) -> dict[str, Any] | None:
        """One proposal document."""
        row = self._one("SELECT doc FROM proposals WHERE id=?", (proposal_id,))
        return None if row is None else dict(json.loads(row[0]))

    def proposals(self) -> list[dict[str, Any]]:
        """Every proposal, newest first."""
        return [json.loads(r[0]) for r in
                self._all("SELECT doc FROM proposals ORDER BY created_ms DESC, id")]


def _seal(key: bytes, plaintext: bytes, owner: bytes) -> bytes:
    nonce = os.urandom(aead.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    return nonce + aead.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, owner, nonce, key)


def _open(key: bytes, sealed: bytes, owner: bytes) -> bytes:
    n = aead.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
    return bytes(aead.crypto_aead_xchacha20poly1305_ietf_decrypt(sealed[n:], owner, sealed[:n],
                                                                 key))
