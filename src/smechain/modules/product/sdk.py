"""``client.product``: loan products and matching through the SDK."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from smechain.client.actions import ModuleSdk, action
from smechain.client.http import segment
from smechain.client.models import TxResult

__all__ = ["ProductSdk"]


class ProductSdk(ModuleSdk):
    """Products: ``publish``, ``revise``, ``withdraw``; ``products``, ``product``,
    ``match``, ``matches``. Records are returned as the API's JSON documents."""

    wire_names: ClassVar[Mapping[str, str]] = {"product_id": "id"}

    @action
    def publish(self, product_id: str, terms: Mapping[str, Any], *, wait: bool = True) -> TxResult:
        """``product.publish``: version 1 of a product (``terms``: name, institution,
        kind, currency, amount, term in months and rate in bp ranges, repayment,
        eligibility)."""

    @action
    def revise(self, product_id: str, terms: Mapping[str, Any], *, wait: bool = True) -> TxResult:
        """``product.revise``: a new version; the earlier ones stay readable."""

    @action
    def withdraw(self, product_id: str, *, wait: bool = True) -> TxResult:
        """``product.withdraw``: the product matches no SME from then on."""

    def products(self, bank: str | None = None, kind: str | None = None,
                 status: str | None = None, offset: int = 0, limit: int = 50
                 ) -> dict[str, Any]:
        """``GET /v1/products``: a page of products at their newest version."""
        found: dict[str, Any] = self._get("/v1/products", bank=bank, kind=kind,
                                          status=status, offset=offset, limit=limit)
        return found

    def product(self, product_id: str, version: int | None = None) -> dict[str, Any]:
        """``GET /v1/products/{id}``: newest, or ``version``."""
        found: dict[str, Any] = self._get(f"/v1/products/{segment(product_id)}",
                                          version=version)
        return found

    def match(self, sme: str | None = None, band: str | None = None) -> dict[str, Any]:
        """``GET /v1/products/match``: every live product against the SME, with reasons."""
        found: dict[str, Any] = self._get("/v1/products/match", sme=sme, band=band)
        return found

    def matches(self, sme: str | None = None) -> dict[str, Any]:
        """``GET /v1/products/matches``: the last nightly batch (per product; ``sme``'s)."""
        found: dict[str, Any] = self._get("/v1/products/matches", sme=sme)
        return found


SDK = ProductSdk
