"""The smechain Python SDK: the HTTP API as typed calls, and signing on the client.

    from smechain.client import Client

    with Client.login("http://127.0.0.1:8000", "sme-t1", "operator", "...") as c:
        cert = c.receivable.issue([("031002600111-20260001", 100_000)], "core-a", "CNY",
                                  "2027-03-31").event("CertificateRequested").attrs["id"]

See ``docs/sdk.md``. ``sign_tx`` (used by the CLI and the demo) builds one signed
transaction; ``Signer`` counts a key's nonces for many.

Each module's SDK part (``smechain/modules/<name>/sdk.py``) is ``client.<name>``;
the records it exports (``Certificate``, ``Invoice``, ``Balances``...) are
importable from here too.
"""

import sys
from typing import Any

from smechain.client.actions import ModuleSdk, module_sdks
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
from smechain.client.signing import Signer, ledger_args
from smechain.core.tx import sign_tx

__all__ = [
    "MAX_BATCH",
    "ApiError",
    "ApiKey",
    "ApiKeyCreated",
    "AuditRow",
    "BlockDetail",
    "BlockHeader",
    "ChainReport",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "Event",
    "EventStream",
    "Forbidden",
    "Health",
    "InvalidInput",
    "Me",
    "ModuleSdk",
    "NotFound",
    "Page",
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


def __getattr__(name: str) -> Any:
    """A record of a module's SDK part (``from smechain.client import Certificate``)."""
    for sdk in module_sdks().values():
        part = sys.modules[sdk.__module__]
        if name in getattr(part, "__all__", ()):
            return getattr(part, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *(n for sdk in module_sdks().values()
                                 for n in getattr(sys.modules[sdk.__module__], "__all__", ()))})
