"""``client.consent``: consents to government data through the SDK."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from smechain.client.actions import ModuleSdk, action
from smechain.client.http import segment
from smechain.client.models import Page, TxResult, from_json, page_of

__all__ = ["Consent", "ConsentCheck", "ConsentSdk"]


@dataclass(frozen=True, slots=True)
class Consent:
    """An SME's consent to a bank's use of categories of its government data."""

    id: str
    sme: str
    bank: str
    categories: tuple[str, ...]
    purpose: str
    granted_at_ms: int
    until_ms: int
    """Live before this time, expired from it on."""
    revoked_at_ms: int
    """0 while not revoked."""
    status: str
    """``granted`` or ``revoked`` as the ledger records it."""
    standing: str = ""
    """``live``, ``expired`` or ``revoked`` when the API answered."""
    actions: tuple[str, ...] = ()
    """What the caller's organisation may start on it (``revoke``)."""


@dataclass(frozen=True, slots=True)
class ConsentCheck:
    """A consent allows the computation asked."""

    id: str
    sme: str
    bank: str
    category: str
    purpose: str
    until_ms: int


class ConsentSdk(ModuleSdk):
    """Consents: ``grant``, ``revoke``; ``consents``, ``consent``, ``check``."""

    wire_names: ClassVar[Mapping[str, str]] = {"consent_id": "id"}
    shortcuts = ("consents",)

    @action
    def grant(self, bank: str, categories: Sequence[str], purpose: str, until_ms: int, *,
              wait: bool = True) -> TxResult:
        """``consent.grant``: the SME lets ``bank`` have ``categories`` of its data
        computed for ``purpose`` until ``until_ms``. The consent's id is
        ``result.event("ConsentGranted").attrs["id"]``."""

    @action
    def revoke(self, consent_id: str, *, wait: bool = True) -> TxResult:
        """``consent.revoke``: the SME withdraws its consent, once."""

    def consents(self, role: str = "any", standing: str | None = None,
                 org: str | None = None, offset: int = 0, limit: int = 50) -> Page[Consent]:
        """``GET /v1/consents``: granted (``role="sme"``), received (``"bank"``) or both;
        ``standing``: ``live``, ``expired`` or ``revoked``."""
        return page_of(self._get("/v1/consents", role=role, standing=standing, org=org,
                                 offset=offset, limit=limit), Consent)

    def consent(self, consent_id: str) -> Consent:
        """``GET /v1/consents/{id}``."""
        return from_json(Consent, self._get(f"/v1/consents/{segment(consent_id)}"))

    def check(self, consent_id: str, bank: str, category: str,
              purpose: str = "credit_assessment") -> ConsentCheck:
        """``GET /v1/consents/{id}/check``: whether the consent lets ``bank`` have
        ``category`` computed for ``purpose`` now; the refusal (``InvalidInput`` with the
        code ``consent_expired``...) otherwise."""
        return from_json(ConsentCheck, self._get(f"/v1/consents/{segment(consent_id)}/check",
                                                 bank=bank, category=category,
                                                 purpose=purpose))


SDK = ConsentSdk
