"""What the API answers, as frozen records: accounts, transactions, proposals, events.

The records of ledger objects are in their modules' ``sdk.py``, the chain explorer's in
``smechain.client.explorer``. Field names are the wire's; binary values (keys,
digests, hashes) stay lowercase hex strings as on the wire, lists become tuples.
Unknown fields from a newer server are ignored, so an older SDK keeps working.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _tuples(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def from_json(cls: type[R], doc: Mapping[str, Any]) -> R:
    """``cls`` from a JSON object, taking the fields ``cls`` has (lists as tuples)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: _tuples(v) for k, v in doc.items() if k in names})


# --- accounts -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Me:
    """The signed-in account."""

    org: str
    username: str
    role: str
    """``viewer``, ``operator`` or ``admin`` inside the organisation."""
    org_name: str
    org_roles: tuple[str, ...]
    """The organisation's ledger roles (``sme``, ``bank``, ``regulator``...)."""
    public_key: str | None
    """Hex of the account's custodial signing key; ``None`` for viewers."""


@dataclass(frozen=True, slots=True)
class Session:
    """A login: the bearer token, when it expires, and who it is."""

    token: str = dataclasses.field(repr=False)
    expires_at: int
    """Epoch milliseconds."""
    user: Me

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Session:
        return cls(doc["token"], doc["expires_at"], from_json(Me, doc["user"]))


@dataclass(frozen=True, slots=True)
class User:
    """A user of the caller's organisation."""

    org: str
    username: str
    role: str
    disabled: bool
    created_ms: int


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key of the caller's organisation (the secret is never shown again)."""

    key_id: str
    name: str
    role: str
    created_ms: int
    revoked: bool


@dataclass(frozen=True, slots=True)
class ApiKeyCreated:
    """A new API key with its secret: send the secret as the bearer token."""

    key_id: str
    name: str
    role: str
    created_ms: int
    revoked: bool
    secret: str = dataclasses.field(repr=False)


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One state-changing call: who, when, what, outcome."""

    id: int
    ts_ms: int
    org: str
    actor: str
    method: str
    path: str
    status: int
    detail: str


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: ``items[offset:offset+limit]`` of ``total``."""

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def page_of(doc: Mapping[str, Any], item: type[R]) -> Page[R]:
    """A ``Page`` of ``item`` records (built by their ``from_json`` where they have one)."""
    build: Callable[[Mapping[str, Any]], R] = getattr(item, "from_json", None) or (
        lambda d: from_json(item, d))
    return Page(tuple(build(d) for d in doc["items"]), doc["total"], doc["offset"],
                doc["limit"])


# --- transactions ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TxEvent:
    """An event a committed transaction emitted."""

    contract: str
    name: str
    attrs: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TxResult:
    """What became of a submitted transaction."""

    tx_hash: str
    status: str
    """``committed``, ``queued`` (not waited for) or ``refused`` (malformed, never ordered)."""
    height: int | None = None
    index: int | None = None
    ok: bool | None = None
    """Whether its receipt is a success (``None`` while queued)."""
    code: str = ""
    message: str = ""
    events: tuple[TxEvent, ...] = ()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> TxResult:
        events = tuple(from_json(TxEvent, e) for e in doc.get("events") or ())
        return cls(doc["tx_hash"], doc["status"], doc.get("height"), doc.get("index"),
                   doc.get("ok"), doc.get("code", ""), doc.get("message", ""), events)

    def event(self, name: str) -> TxEvent:
        """The first event called ``name``; ``LookupError`` if there is none."""
        for e in self.events:
            if e.name == name:
                return e
        raise LookupError(f"{self.tx_hash}: no {name} event in {[e.name for e in self.events]}")


@dataclass(frozen=True, slots=True)
class Proposal:
    """A multi-party transaction waiting for its co-signers."""

    id: str
    contract: str
    action: str
    args: dict[str, Any]
    sender_org: str
    cosigners: tuple[str, ...]
    signers: tuple[str, ...]
    signed_by: tuple[str, ...]
    status: str
    """``open`` (waiting for approvals), ``submitted`` (its transaction on its way),
    ``done`` or ``failed`` (committed: see ``result``), ``rejected``, ``expired`` (its
    deadline passed) or ``stale`` (what it acts on changed hands or state)."""
    created_ms: int
    result: TxResult | None = None
    """The transaction's result once the last co-signer signed."""
    expires_ms: int = 0
    """When it closes unless completed (epoch ms; 0 from servers that set none)."""
    reason: str = ""
    """Why it is where it is: the failure, who declined, or that its transaction was
    lost and it is open to be signed again."""

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Proposal:
        result = TxResult.from_json(doc["result"]) if doc.get("result") else None
        return dataclasses.replace(from_json(cls, {**doc, "result": None}), result=result)

@dataclass(frozen=True, slots=True)
class Event:
    """One committed event, as a server-sent event."""

    id: str
    """``<height>-<index>`` of the transaction."""
    name: str
    """The event's name, e.g. ``CashTransferred``; ``TxCommitted``/``TxFailed`` for
    transactions that emitted none."""
    height: int
    index: int
    tx_hash: str
    contract: str
    action: str
    ok: bool
    code: str
    attrs: dict[str, Any]

    @classmethod
    def from_sse(cls, event_id: str, name: str, data: Mapping[str, Any]) -> Event:
        return cls(event_id, name, data["height"], data["index"], data["tx_hash"],
                   data["contract"], data["action"], data["ok"], data["code"],
                   data.get("attrs") or {})
