"""``client.customs``: customs declarations through the SDK (actions, reads, file import)."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from smechain.client.actions import Binary, LedgerForms, ModuleSdk, action, binary
from smechain.client.http import segment
from smechain.client.models import Page, TxResult, from_json, page_of

__all__ = ["CustomsSdk", "Declaration", "GoodsItem"]


@dataclass(frozen=True, slots=True)
class GoodsItem:
    """One goods item of a declaration; amounts in minor units, net mass in kg (text)."""

    sequence: int
    commodity_code: str = ""
    procedure: str = ""
    """DE 1/10, e.g. ``1040``."""
    net_mass: str = ""
    item_price: int | None = None
    item_currency: str = ""
    statistical_value: int | None = None
    statistical_currency: str = ""


@dataclass(frozen=True, slots=True)
class Declaration:
    """A registered customs declaration; ``value`` in minor units of ``currency``."""

    id: str
    """The MRN."""
    lrn: str
    type_code: str
    direction: str
    """``export`` or ``import``."""
    procedure_codes: tuple[str, ...]
    declarant: str
    exporter: str
    importer: str
    exporter_org: str
    importer_org: str
    customs: str
    invoice_amount: int | None
    invoice_currency: str
    value: int
    currency: str
    value_basis: str
    """``invoice``, ``item_price``, ``statistical`` or ``none``."""
    goods_items: tuple[GoodsItem, ...]
    goods_count: int
    acceptance_date: str
    issue_date: str
    digest: str
    """Hex digest of the original declaration file."""
    status: str
    """``registered`` or ``cancelled``."""
    registered_at_ms: int
    amended_at_ms: int
    """0: never amended."""
    amendments: tuple[Mapping[str, Any], ...] = ()
    """Each accepted amendment: ``digest``, ``at_ms``, ``value_before``, ``value``..."""
    cancellation: Mapping[str, Any] | None = None
    unlent_value: int = 0
    """What it can back at most now: its value while registered, 0 once cancelled."""
    actions: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Declaration:
        base = from_json(cls, {**doc, "goods_items": (), "amendments": ()})
        return dataclasses.replace(
            base, goods_items=tuple(from_json(GoodsItem, i) for i in doc["goods_items"]),
            amendments=tuple(dict(a) for a in doc.get("amendments") or ()),
            cancellation=dict(doc["cancellation"]) if doc.get("cancellation") else None)


class CustomsSdk(ModuleSdk):
    """Customs declarations: ``register``, ``amend``, ``cancel`` (customs), the declarations
    the caller may see, and importing a WCO DEC-DMS file."""

    wire_names: ClassVar[Mapping[str, str]] = {"mrn": "id"}
    ledger_forms: ClassVar[LedgerForms] = {"register": {"digest": binary},
                                           "amend": {"digest": binary},
                                           "cancel": {"digest": binary}}
    shortcuts = ("declarations", "declaration")

    @action
    def register(self, mrn: str, lrn: str, type_code: str, declarant: str,
                 goods_items: Sequence[Mapping[str, Any]], digest: Binary, *,
                 exporter: str = "", importer: str = "", exporter_org: str = "",
                 importer_org: str = "", invoice_amount: int | None = None,
                 invoice_currency: str = "", acceptance_date: str = "", issue_date: str = "",
                 wait: bool = True) -> TxResult:
        """``customs.register``: a declaration customs accepted, under its ``mrn``; parties
        ``EORI:<number>``, amounts in minor units (``import_file`` reads them from a file)."""

    @action
    def amend(self, mrn: str, digest: Binary, *, lrn: str = "",
              change_reasons: Sequence[str] = (), invoice_amount: int | None = None,
              invoice_currency: str = "", goods_items: Sequence[Mapping[str, Any]] = (),
              goods_item_quantity: int = 0, wait: bool = True) -> TxResult:
        """``customs.amend``: an accepted amendment; its items replace or add items by
        ``sequence``, and the value is worked out again."""

    @action
    def cancel(self, mrn: str, digest: Binary, *, lrn: str = "", reason: str = "",
               reason_code: str = "", wait: bool = True) -> TxResult:
        """``customs.cancel``: an accepted cancellation; the declaration backs nothing more."""

    def declarations(self, offset: int = 0, limit: int = 50, org: str | None = None,
                     status: str | None = None, direction: str | None = None
                     ) -> Page[Declaration]:
        """``GET /v1/customs/declarations``: those the caller's organisation exports or
        imports under or registered (regulators: all, or ``org``'s)."""
        doc = self._get("/v1/customs/declarations", offset=offset, limit=limit, org=org,
                        status=status, direction=direction)
        return page_of(doc, Declaration)

    def declaration(self, mrn: str) -> Declaration:
        """``GET /v1/customs/declarations/{mrn}``."""
        return Declaration.from_json(self._get(f"/v1/customs/declarations/{segment(mrn)}"))

    def import_file(self, path: str | Path, *, mrn: str = "", exporter_org: str = "",
                    importer_org: str = "", action: str = "") -> TxResult:
        """``POST /v1/customs/declarations/import``: customs imports a WCO DEC-DMS file (a
        declaration under ``mrn`` for ``exporter_org`` or ``importer_org``, an amendment or
        a cancellation; with ``action``, refused unless the file is that)."""
        upload = Path(path)
        # A part without a file name is a plain form field.
        fields = {"mrn": mrn, "exporter_org": exporter_org, "importer_org": importer_org,
                  "action": action}
        doc = self._client.request(
            "POST", "/v1/customs/declarations/import",
            files={"file": (upload.name, upload.read_bytes()),
                   **{k: (None, v) for k, v in fields.items() if v}})
        return TxResult.from_json(doc)


SDK = CustomsSdk
