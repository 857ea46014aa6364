"""The smechain Python SDK: the HTTP API as typed calls, and signing on the client.

    from smechain.client import Client

    with Client.login("http://127.0.0.1:8000", "sme-t1", "operator", "...") as c:
        cert = c.receivable.issue([("031002600111-20260001", 100_000)], "core-a", "CNY",
                                  "2027-03-31").event("CertificateRequested").attrs["id"]

See ``docs/sdk.md``. ``sign_tx`` (used by the CLI and the demo) builds one signed
transaction; ``Signer`` counts a key's nonces for many.
"""

from smechain.client.errors import (
    ApiError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InvalidInput,
    NotFound,
    ServerError,
    SmechainError,
    Unauthenticated,
)
from smechain.client.events import EventStream
from smechain.client.explorer import (
    BlockDetail,
    BlockHeader,
    ChainReport,
    Health,
    ProofResult,
    TxDetail,
    TxSigner,
    TxSummary,
)
from smechain.client.http import MAX_BATCH, Client
from smechain.client.models import (
    ApiKey,
    ApiKeyCreated,
    AuditRow,
    Event,
    Me,
    Page,
    Proposal,
    Session,
    TxEvent,
    TxResult,
    User,
)
from smechain.client.objects import (
    Backing,
    Balances,
    Certificate,
    CertificateDetail,
    DayVolume,
    Invoice,
    InvoiceCheck,
    Lineage,
    MaturityBucket,
    Org,
    Price,
)
from smechain.client.signing import Signer, ledger_args, sign_tx

__all__ = [
    "MAX_BATCH",
    "ApiError",
    "ApiKey",
    "ApiKeyCreated",
    "AuditRow",
    "Backing",
    "Balances",
    "BlockDetail",
    "BlockHeader",
    "Certificate",
    "CertificateDetail",
    "ChainReport",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "DayVolume",
    "Event",
    "EventStream",
    "Forbidden",
    "Health",
    "InvalidInput",
    "Invoice",
    "InvoiceCheck",
    "Lineage",
    "MaturityBucket",
    "Me",
    "NotFound",
    "Org",
    "Page",
    "Price",
    "ProofResult",
    "Proposal",
    "ServerError",
    "Session",
    "Signer",
    "SmechainError",
    "TxDetail",
    "TxEvent",
    "TxResult",
    "TxSigner",
    "TxSummary",
    "Unauthenticated",
    "User",
    "ledger_args",
    "sign_tx",
]
