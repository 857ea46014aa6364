"""Request and response bodies of the HTTP API (Pydantic v2, so OpenAPI describes them).

Each contract action's argument type is a msgspec struct in its module's ``contract.py``;
``action_model`` turns it into a Pydantic model with the same fields, so the
OpenAPI document types every action and bad bodies fail with 422 before
anything is signed. Binary fields travel as lowercase hex.
"""

from __future__ import annotations

import enum
import types
import typing
from typing import Annotated, Any, Literal

import msgspec
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, create_model

from smechain.core.encoding import INT_MAX, INT_MIN

Hex = Annotated[str, StringConstraints(pattern=r"^([0-9a-f]{2})*$", max_length=131_072)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]
RoleName = Literal["viewer", "operator", "admin"]
Int64 = Annotated[int, Field(ge=INT_MIN, le=INT_MAX)]
"""Every ledger integer fits a signed 64-bit word (the canonical encoding's limit)."""


class Strict(BaseModel):
    """Unknown fields are refused, and numbers are never strings or floats."""

    model_config = ConfigDict(extra="forbid", strict=True)


# --- errors ------------------------------------------------------------------


class ErrorDetail(BaseModel):
    status: int
    code: str
    field: str
    message: str
    tx_hash: str | None = None
    height: int | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


# --- accounts ----------------------------------------------------------------


class LoginBody(Strict):
    org: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class Me(BaseModel):
    org: str
    username: str
    role: str
    org_name: str
    org_roles: list[str]
    public_key: str | None


class LoginResult(BaseModel):
    token: str
    expires_at: int
    user: Me


class NewUser(Strict):
    username: Name
    password: Password
    role: RoleName


class UserChange(Strict):
    role: RoleName | None = None
    password: Password | None = None
    disabled: bool | None = None


class User(BaseModel):
    org: str
    username: str
    role: str
    disabled: bool
    created_ms: int


class NewApiKey(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    role: RoleName


class ApiKey(BaseModel):
    key_id: str
    name: str
    role: str
    created_ms: int
    revoked: bool


class ApiKeyCreated(ApiKey):
    secret: str


class AuditRow(BaseModel):
    id: int
    ts_ms: int
    org: str
    actor: str
    method: str
    path: str
    status: int
    detail: str


class AuditPage(BaseModel):
    items: list[AuditRow]
    total: int
    offset: int
    limit: int


# --- transactions ------------------------------------------------------------


class EventOut(BaseModel):
    contract: str
    name: str
    attrs: dict[str, Any]


class TxResult(BaseModel):
    tx_hash: str
    status: Literal["committed", "queued", "refused"]
    height: int | None = None
    index: int | None = None
    ok: bool | None = None
    code: str = ""
    field: str = ""
    """The argument a failure names (``Receipt.field``); ``""`` when ok or none."""
    message: str = ""
    events: list[EventOut] = []


class RawTx(Strict):
    tx: Hex
    wait: bool = True


class RawBatch(Strict):
    txs: Annotated[list[Hex], Field(min_length=1, max_length=5000)]
    wait: bool = True


class BatchResult(BaseModel):
    results: list[TxResult]


class Nonce(BaseModel):
    public_key: str
    nonce: int


class NewProposal(Strict):
    contract: Name
    action: Name
    args: dict[str, Any]
    cosigners: Annotated[list[Name], Field(min_length=1, max_length=15)]
    expires_ms: Int64 | None = None
    """When the proposal closes unless completed (epoch ms); 7 days from now by default,
    at most 90."""


class Proposal(BaseModel):
    id: str
    contract: str
    action: str
    args: dict[str, Any]
    sender_org: str
    cosigners: list[str]
    signers: list[str]
    signed_by: list[str]
    status: Literal["open", "submitted", "done", "failed", "rejected", "expired", "stale"]
    """``open`` (waiting for approvals), ``submitted`` (its transaction on its way),
    ``done``/``failed`` (committed: ``result`` is the receipt), ``rejected``, ``expired``
    (its deadline passed), ``stale`` (what it acts on changed hands or state)."""
    reason: str = ""
    """Why it is where it is: the failure, who declined, or that a transaction was lost
    and it is open to be signed again."""
    created_ms: int
    expires_ms: int
    result: TxResult | None = None


class ProposalPage(BaseModel):
    items: list[Proposal]
    total: int
    offset: int
    limit: int


# --- queries -----------------------------------------------------------------


class Health(BaseModel):
    status: str
    """``ok``, or ``failed`` (with HTTP 503) once the ledger thread has stopped."""
    chain_id: str
    height: int
    indexed_height: int
    problem: str = ""


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    offset: int
    limit: int


class BlockOut(BaseModel):
    height: int
    hash: str
    prev_hash: str
    timestamp_ms: int
    tx_count: int
    tx_root: str
    receipts_root: str
    writes_hash: str
    orderer: str


class BlockDetail(BaseModel):
    header: BlockOut
    transactions: list[dict[str, Any]]
    hidden: int
    """Transactions in the block the caller may not see."""


class TxDetail(BaseModel):
    tx_hash: str
    height: int
    index: int
    timestamp_ms: int
    contract: str
    action: str
    args: dict[str, Any]
    signers: list[dict[str, str]]
    nonce: int
    receipt: TxResult


class ProofOut(BaseModel):
    tx_hash: str
    height: int
    proof: str
    """Hex of the canonical proof bytes, for ``smechain check-proof`` or the SDK."""
    valid: bool
    problem: str
    path_length: int
    checkpoints: int


class VerifyOut(BaseModel):
    ok: bool
    blocks: int
    transactions: int
    height: int | None
    problem: str


# --- contract actions ----------------------------------------------------------

_models: dict[type, type[BaseModel]] = {}

_BOUNDS = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern", "description")
"""The ``msgspec.Meta`` constraints an argument type may state, which Pydantic states alike."""


def _constraints(metas: tuple[Any, ...]) -> dict[str, Any]:
    """The bounds of ``msgspec.Meta`` annotations as ``pydantic.Field`` keywords."""
    found: dict[str, Any] = {}
    for meta in metas:
        if isinstance(meta, msgspec.Meta):
            found.update({k: getattr(meta, k) for k in _BOUNDS
                          if getattr(meta, k) is not None})
    return found


def _integer(bounds: dict[str, Any]) -> Any:
    """A ledger integer within ``bounds``, within 64 bits where they say nothing; strict
    bounds become inclusive ones (``gt=0``: ``minimum: 1``)."""
    bounds = dict(bounds)
    if "gt" in bounds:
        bounds["ge"] = bounds.pop("gt") + 1
    if "lt" in bounds:
        bounds["le"] = bounds.pop("lt") - 1
    if "gt" not in bounds and "ge" not in bounds:
        bounds = {**bounds, "ge": INT_MIN}
    if "lt" not in bounds and "le" not in bounds:
        bounds = {**bounds, "le": INT_MAX}
    return Annotated[int, Field(strict=True, **bounds)]


def _row_or_object(names: tuple[str, ...]) -> Any:
    """Before validation: a record the ledger stores as an array may be sent as one
    (``["<invoice id>", 10000]``, as the CLI and ``sign_tx`` write it) or as an object
    (``{"invoice": …, "amount": …}``); an array becomes the object."""
    def convert(value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) != len(names):
                raise ValueError(f"give {{{', '.join(names)}}} or [{', '.join(names)}]")
            return dict(zip(names, value, strict=True))
        return value
    return BeforeValidator(convert)


def _field_type(annotation: Any, owner: str) -> Any:
    if typing.get_origin(annotation) is Annotated:
        base, *metas = typing.get_args(annotation)
        bounds = _constraints(tuple(metas))
        if base is int:
            return _integer(bounds)
        return Annotated[_field_type(base, owner), Field(**bounds)] if bounds else (
            _field_type(base, owner))
    if annotation is bytes:
        return Hex
    if annotation is int:
        return Int64
    if annotation in (str, bool):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, enum.StrEnum):
        # Its values as a Literal: a strict model would take only enum instances, and
        # the ledger argument is the plain string.
        return Literal[tuple(member.value for member in annotation)]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        model = action_model(annotation, owner + annotation.__name__)
        if annotation.__struct_config__.array_like:
            names = tuple(f.name for f in msgspec.structs.fields(annotation))
            return Annotated[model, _row_or_object(names)]
        return model
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        (inner,) = (a for a in args if a is not type(None))
        return _field_type(inner, owner) | None
    if origin is list:
        (inner,) = typing.get_args(annotation)
        return list[_field_type(inner, owner)]  # type: ignore[misc]
    if origin is dict:
        return dict[str, Any]
    raise TypeError(f"{owner}: no HTTP type for {annotation!r}")


_EXACT = {float(v): v for v in (INT_MIN, INT_MAX)}
"""The 64-bit limits by the floats that round them (2^63 and -2^63)."""


def integer_bounds(doc: Any) -> Any:
    """The OpenAPI document with the bounds of integer schemas as the integers they are:
    FastAPI's OpenAPI model holds ``minimum``/``maximum`` as floats, which would show the
    64-bit limit as ``9.223372036854776e+18`` (2^63, one past it). In place; returns it."""
    if isinstance(doc, dict):
        if doc.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                value = doc.get(key)
                if isinstance(value, float) and value.is_integer():
                    doc[key] = _EXACT.get(value, int(value))
        for value in doc.values():
            integer_bounds(value)
    elif isinstance(doc, list):
        for value in doc:
            integer_bounds(value)
    return doc


def model_name(contract: str, struct: type) -> str:
    """The OpenAPI schema name of an action's body: contract and argument type, e.g.
    ``ReceivableCertRef`` (shared by confirm, settle and mark_overdue)."""
    return contract.title() + struct.__name__


def action_model(struct: type, name: str) -> type[BaseModel]:
    """A strict Pydantic model with the fields of a contract's msgspec argument struct."""
    if struct in _models:
        return _models[struct]
    hints = typing.get_type_hints(struct, include_extras=True)
    fields: dict[str, Any] = {}
    for f in msgspec.structs.fields(struct):
        default: Any = ... if f.required else f.default
        if f.default_factory is not msgspec.NODEFAULT:  # e.g. an empty list by default
            default = Field(default_factory=f.default_factory)
        fields[f.name] = (_field_type(hints[f.name], name), default)
    doc = struct.__doc__ or None
    if struct.__struct_config__.array_like:
        names = ", ".join(f.name for f in msgspec.structs.fields(struct))
        doc = (f"{doc}\n\n" if doc else "") + (
            f"Also taken as an array [{names}], the ledger's own form.")
    model = create_model(name, __base__=Strict, __doc__=doc, **fields)
    _models[struct] = model
    return model


def record_model(struct: type, name: str, doc: str, **extra: Any) -> type[BaseModel]:
    """A response model with the fields of a ledger record (a msgspec struct) as the API
    answers it (``core.encoding.plain``: bytes as hex, enums as their text, nested
    records as objects), plus ``extra`` fields (``name=(type, default)``): the record's
    shape is written once, in its contract."""
    hints = typing.get_type_hints(struct)
    fields: dict[str, Any] = {
        f.name: (_answer_type(hints[f.name], name),
                 ... if f.required else (f.default if f.default is not msgspec.NODEFAULT
                                         else None))
        for f in msgspec.structs.fields(struct)}
    return create_model(name, __doc__=doc, **fields, **extra)


def page_model(item: type[BaseModel], name: str) -> type[BaseModel]:
    """``{items: [item], total, offset, limit}``: a page of ``item``."""
    return create_model(name, items=(list[item], ...), total=(int, ...),  # type: ignore[valid-type]
                        offset=(int, ...), limit=(int, ...))


def _answer_type(annotation: Any, owner: str) -> Any:
    if annotation is bytes:
        return str
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return str
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return record_model(annotation, f"{owner}{annotation.__name__}",
                            annotation.__doc__ or "")
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return list[_answer_type(item, owner)]  # type: ignore[misc]
    args = typing.get_args(annotation)
    if (typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 2
            and type(None) in args):
        (inner,) = (a for a in args if a is not type(None))
        return _answer_type(inner, owner) | None
    return annotation


def to_args(struct: type, data: dict[str, Any]) -> dict[str, Any]:
    """Validated JSON fields back to ledger arguments: hex strings to bytes, nested too."""
    hints = typing.get_type_hints(struct)
    return {key: _to_value(hints[key], value) for key, value in data.items()}


def _to_value(annotation: Any, value: Any) -> Any:
    if annotation is bytes:
        return bytes.fromhex(value)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        fields = to_args(annotation, value)
        if annotation.__struct_config__.array_like:
            return [fields[f.name] for f in msgspec.structs.fields(annotation)]
        return fields
    if typing.get_origin(annotation) is list:
        (inner,) = typing.get_args(annotation)
        return [_to_value(inner, v) for v in value]
    return value
