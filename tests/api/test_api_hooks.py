"""The API takes each module's read-side rules by name from its queries (``api.hooks``)."""

from __future__ import annotations

from smechain.api import hooks
from smechain.modules import MODULES, module
from smechain.modules.bill_of_lading import queries as bill_queries
from smechain.modules.calendar import queries as calendar_queries
from smechain.modules.consent import queries as consent_queries
from smechain.modules.customs import queries as customs_queries
from smechain.modules.invoice import queries as invoice_queries
from smechain.modules.loan import queries as loan_queries
from smechain.modules.receivable import queries as receivable_queries
from smechain.modules.warehouse_receipt import queries as receipt_queries


def test_every_module_has_queries() -> None:
    assert all(hooks.queries(m) is not None for m in MODULES)


def test_rules_are_found_by_name_in_module_order() -> None:
    assert hooks.rules("unknown_to") == {"receivable": receivable_queries.unknown_to,
                                         "consent": consent_queries.unknown_to,
                                         "loan": loan_queries.unknown_to,
                                         "customs": customs_queries.unknown_to,
                                         "bill_of_lading": bill_queries.unknown_to,
                                         "warehouse_receipt": receipt_queries.unknown_to}
    assert list(hooks.rules("tx_orgs")) == ["invoice", "receivable", "consent", "credit",
                                            "product", "loan", "customs",
                                            "bill_of_lading", "warehouse_receipt"]
    assert hooks.rules("NAMES") == {"invoice": frozenset({"invoice"}),
                                    "receivable": frozenset({"id"}),
                                    "consent": frozenset({"id"}),
                                    "credit": frozenset({"consent_id", "model_version"}),
                                    "product": frozenset({"id"}),
                                    "loan": frozenset({"id", "pledge", "export_record"}),
                                    "customs": frozenset({"id"}),
                                    "bill_of_lading": frozenset({"id", "request", "amended"}),
                                    "warehouse_receipt": frozenset({"id"})}
    assert hooks.rules("REFUSAL_STATUS") == {"consent": consent_queries.REFUSAL_STATUS,
                                             "calendar": calendar_queries.REFUSAL_STATUS}
    assert hooks.rules("no_such_rule") == {}
    assert hooks.queries(module("invoice")) is invoice_queries


def test_a_module_s_refusal_codes_get_its_http_status() -> None:
    statuses = hooks.rules("REFUSAL_STATUS")["consent"]
    assert statuses == {"consent_unknown": 422, "consent_expired": 422, "consent_revoked": 422,
                        "consent_wrong_bank": 422, "consent_category": 422,
                        "consent_purpose": 422, "consent_other_sme": 422}
