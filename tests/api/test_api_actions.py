"""Each certificate and invoice the API returns carries ``actions``: what the caller's
organisation may start on it now, as its contract declares (``core.transitions.offered``)."""

from __future__ import annotations

from typing import Any

from api_support import Api, covers

from smechain.client.models import from_json
from smechain.core.encoding import decode
from smechain.core.transitions import offered
from smechain.modules.invoice import contract as invoice
from smechain.modules.invoice import sdk as sdk_invoice
from smechain.modules.invoice.routes import InvoiceOut
from smechain.modules.membership.contract import read_org
from smechain.modules.receivable import contract as receivable
from smechain.modules.receivable import sdk as sdk_receivable
from smechain.modules.receivable.routes import CertificateOut

HOLDS = ["split", "transfer", "sell", "guarantee", "mark_overdue"]
"""What the holder of a confirmed certificate may start, in declaration order."""


def actions(api: Api, cert_id: str, who: str) -> list[str]:
    """The ``actions`` of ``cert_id`` in its detail, as ``who`` reads it."""
    detail = api.ok("GET", f"/v1/certificates/{cert_id}", as_=who)
    found: list[str] = detail["certificate"]["actions"]
    return found


def declared(api: Api, contract: Any, record: Any, org: str) -> list[str]:
    """``offered`` for ``org`` with its ledger roles: what the API should say."""
    found = read_org(api.demo.node.store, org)
    assert found is not None
    return offered(contract, record, org, frozenset(found.roles))


def cert(api: Api, cert_id: str) -> receivable.Certificate:
    raw = api.demo.node.get(receivable.cert_key(cert_id))
    assert raw is not None
    return decode(raw, receivable.Certificate)


@covers("GET /v1/certificates/{cert_id}")
def test_a_certificates_actions_depend_on_who_asks(shared: Api) -> None:
    second = shared.ids["second"]  # confirmed; sme-t1 holds it, core-a owes it, offered to bank-a
    assert cert(shared, second).status == "confirmed"
    assert actions(shared, second, "sme-t1/operator") == HOLDS
    assert actions(shared, second, "core-a/operator") == ["settle"]
    # Bank A sees it because it is offered to it, and may start nothing on it: buying is
    # co-signing the holder's proposal.
    assert actions(shared, second, "bank-a/operator") == []
    assert actions(shared, second, "regulator/viewer") == []

    bought = f"{shared.ids['certificate']}.2"  # the part Bank A bought from sme-t1
    assert actions(shared, bought, "bank-a/operator") == HOLDS
    assert actions(shared, bought, "sme-t1/operator") == []
    assert actions(shared, bought, "core-a/operator") == ["settle"]

    requested = shared.ids["requested"]
    assert actions(shared, requested, "core-a/operator") == ["confirm", "dispute"]
    assert actions(shared, requested, "sme-t1/operator") == []

    split = shared.ids["certificate"]  # split into parts: nothing more to do on it
    assert actions(shared, split, "sme-t1/operator") == []
    assert actions(shared, split, "core-a/operator") == []

    guaranteed = f"{shared.ids['certificate']}.1.1.2"
    assert actions(shared, guaranteed, "guar-g/operator") == []  # a guarantor only pays


@covers("GET /v1/certificates")
def test_a_settled_certificate_offers_nothing_to_anyone(shared: Api) -> None:
    everything = shared.ok("GET", "/v1/certificates?limit=200", as_="regulator/viewer")["items"]
    settled = [c for c in everything if c["status"] == "settled"]
    confirmed = [c for c in everything if c["status"] == "confirmed"]
    assert settled and confirmed
    for c in settled:
        for org in (c["holder"], c["debtor"]):
            mine = shared.ok("GET", "/v1/certificates?limit=200", as_=f"{org}/operator")["items"]
            assert next(m for m in mine if m["id"] == c["id"])["actions"] == []
    for c in confirmed:  # the same parties, while it was confirmed
        holder = shared.ok("GET", "/v1/certificates?role=holder&limit=200",
                           as_=f"{c['holder']}/operator")["items"]
        debtor = shared.ok("GET", "/v1/certificates?role=debtor&limit=200",
                           as_=f"{c['debtor']}/operator")["items"]
        assert next(m for m in holder if m["id"] == c["id"])["actions"] == HOLDS
        assert next(m for m in debtor if m["id"] == c["id"])["actions"] == ["settle"]


@covers("GET /v1/certificates", "GET /v1/certificates/{cert_id}")
def test_every_certificates_actions_are_what_the_declaration_offers(shared: Api) -> None:
    callers = ("sme-t1", "sme-t2", "sme-t3", "sme-t4", "core-a", "bank-a", "bank-b", "factor-x",
               "guar-g", "regulator")
    seen = 0
    for org in callers:
        for c in shared.ok("GET", "/v1/certificates?limit=200", as_=f"{org}/admin")["items"]:
            want = declared(shared, receivable.CONTRACT, cert(shared, c["id"]), org)
            assert c["actions"] == want, (org, c["id"])
            detail = shared.ok("GET", f"/v1/certificates/{c['id']}", as_=f"{org}/admin")
            assert detail["certificate"]["actions"] == want
            seen += 1
    assert seen > 20


@covers("GET /v1/certificates")
def test_a_viewer_is_told_what_its_organisation_may_do(shared: Api) -> None:
    for org in ("sme-t1", "core-a"):
        by_viewer = shared.ok("GET", "/v1/certificates?limit=200", as_=f"{org}/viewer")["items"]
        by_admin = shared.ok("GET", "/v1/certificates?limit=200", as_=f"{org}/admin")["items"]
        assert [c["actions"] for c in by_viewer] == [c["actions"] for c in by_admin]
        assert any(c["actions"] for c in by_viewer)


@covers("GET /v1/invoices", "GET /v1/invoices/{invoice_id}")
def test_only_the_tax_authority_is_offered_to_void_a_valid_invoice(shared: Api) -> None:
    found = shared.ok("GET", "/v1/invoices?limit=200", as_="tax-sh/operator")["items"]
    assert {i["status"] for i in found} == {"valid", "voided"}
    for i in found:
        assert i["actions"] == (["void"] if i["status"] == "valid" else [])
        record = invoice.read_invoice(shared.demo.node.store, i["id"])
        assert record is not None
        assert i["actions"] == declared(shared, invoice.CONTRACT, record, "tax-sh")
    valid = next(i for i in found if i["status"] == "valid")
    detail = shared.ok("GET", f"/v1/invoices/{valid['id']}", as_="tax-sh/viewer")
    assert detail["actions"] == ["void"]
    for who in ("sme-t1/admin", "core-a/admin", "regulator/viewer"):
        items = shared.ok("GET", "/v1/invoices?limit=200", as_=who)["items"]
        assert items and all(i["actions"] == [] for i in items)
        assert shared.ok("GET", f"/v1/invoices/{items[0]['id']}", as_=who)["actions"] == []


@covers("GET /v1/certificates", "GET /v1/certificates/{cert_id}", "GET /v1/invoices")
def test_the_sdk_records_keep_the_actions(shared: Api) -> None:
    second = shared.ids["second"]
    detail = sdk_receivable.CertificateDetail.from_json(
        shared.ok("GET", f"/v1/certificates/{second}", as_="core-a/viewer"))
    assert detail.certificate.actions == ("settle",)
    listed = shared.ok("GET", "/v1/certificates?role=holder&limit=200", as_="sme-t1/viewer")
    mine = {c.id: c for c in map(sdk_receivable.Certificate.from_json, listed["items"])}
    assert mine[second].actions == tuple(HOLDS)
    invoices = shared.ok("GET", "/v1/invoices?status=valid&limit=1", as_="tax-sh/viewer")
    assert from_json(sdk_invoice.Invoice, invoices["items"][0]).actions == ("void",)


def test_the_response_models_declare_every_field_of_the_records() -> None:
    """A field added to a record and not to its response model would vanish from answers."""
    assert set(CertificateOut.model_fields) == {*receivable.Certificate.__struct_fields__,
                                                "actions"}
    assert set(InvoiceOut.model_fields) == {*invoice.Invoice.__struct_fields__, "financing",
                                            "actions"}
