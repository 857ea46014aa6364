"""Products over HTTP: the catalogue, versions, an SME's match with reasons, the nightly
batch's results."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import Api, covers, error, seeded_api

from demo_template import DemoTemplate


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("product-demo") / "demo", demo_template)
    yield api
    api.close()


@covers("GET /v1/products", "GET /v1/products/{product_id}")
def test_the_catalogue_and_a_revised_product_at_each_version(ledger: Api) -> None:
    listed = ledger.ok("GET", "/v1/products", as_="sme-t1/viewer", params={"limit": 200})
    assert listed["total"] == 319
    revised = ledger.ids["revised_product"]
    head = ledger.ok("GET", f"/v1/products/{revised}", as_="sme-t1/viewer")
    first = ledger.ok("GET", f"/v1/products/{revised}", as_="sme-t1/viewer",
                      params={"version": 1})
    assert (head["version"], first["version"]) == (2, 1)
    assert head["terms"]["max_rate_bp"] == first["terms"]["max_rate_bp"] + 50
    error(ledger.get(f"/v1/products/{revised}", "sme-t1/viewer", params={"version": 3}), 404,
          field="version", code="not_found")


@covers("GET /v1/products/match", "GET /v1/products/matches")
def test_an_sme_sees_its_match_with_reasons_and_the_nightly_batch(ledger: Api) -> None:
    m = ledger.ok("GET", "/v1/products/match", as_="sme-t1/viewer")
    assert m["sme"] == "sme-t1" and m["profile"]["region"] == "31"
    live = [p for p in m["products"]]
    assert len(live) == 318  # one withdrawn
    assert m["fits"] == sum(p["fits"] for p in live)
    for p in live:
        assert p["fits"] == (p["reasons"] == [])
        assert all(r["en"] and r["zh"] for r in p["reasons"])
    error(ledger.get("/v1/products/match", "sme-t1/viewer", params={"sme": "sme-t2"}), 403,
          field="sme", code="forbidden")
    nightly = ledger.ok("GET", "/v1/products/matches", as_="sme-t1/viewer",
                        params={"sme": "sme-t1"})
    assert nightly["smes"] == 20_000 and len(nightly["products"]) == 318
    assert {p["id"] for p in nightly["matched"]} <= {p["id"] for p in live}
    # a product published since is matched at once (the compiled catalogue follows the
    # ledger's height)
    terms = ledger.ok("GET", f"/v1/products/{live[0]['id']}", as_="sme-t1/viewer")["terms"]
    ledger.ok("POST", "/v1/contracts/product/publish", as_="bank-a/operator",
              json={"id": "bank-a.published-later", "terms": terms})
    again = ledger.ok("GET", "/v1/products/match", as_="sme-t1/viewer")
    assert len(again["products"]) == 319
    assert "bank-a.published-later" in {p["id"] for p in again["products"]}


@covers("POST /v1/contracts/product/publish", "POST /v1/contracts/product/revise")
def test_a_bank_publishes_under_its_own_prefix_and_a_revision_keeps_the_kind(
        ledger: Api) -> None:
    assert all(p.startswith(("bank-a.", "bank-b.")) for p in ledger.ids["products"])
    revised = ledger.ids["revised_product"]
    head = ledger.ok("GET", f"/v1/products/{revised}", as_="sme-t1/viewer")
    terms = head["terms"]
    bank, other = head["bank"], "bank-b" if head["bank"] == "bank-a" else "bank-a"
    error(ledger.post("/v1/contracts/product/publish", f"{bank}/operator",
                      json={"id": f"{other}.new1", "terms": terms}), 403, field="id")
    error(ledger.post("/v1/contracts/product/publish", f"{bank}/operator",
                      json={"id": "new1", "terms": terms}), 422, field="id")
    kind = next(k for k in ("working_capital", "ip_pledge") if k != terms["kind"])
    for name, value in (("kind", kind), ("currency", "USD")):
        error(ledger.post("/v1/contracts/product/revise", f"{bank}/operator",
                          json={"id": revised, "terms": {**terms, name: value}}),
              422, field=f"terms.{name}")
    assert ledger.ok("GET", f"/v1/products/{revised}", as_="sme-t1/viewer") == head


@covers("GET /v1/products", "GET /v1/products/{product_id}")
def test_refusals_of_the_catalogue_name_the_parameter(ledger: Api) -> None:
    revised = ledger.ids["revised_product"]
    error(ledger.get(f"/v1/products/{revised}", "sme-t1/viewer", params={"version": 99}), 404,
          field="version", code="not_found")
    error(ledger.get("/v1/products/bank-a.nothing", "sme-t1/viewer", params={"version": 1}),
          404, field="product_id", code="not_found")
    for name in ("kind", "status"):
        error(ledger.get("/v1/products", "sme-t1/viewer", params={name: "bogus"}), 422,
              field=name)
    found = ledger.ok("GET", "/v1/products", as_="sme-t1/viewer",
                      params={"kind": "ip_pledge", "status": "live", "limit": 200})
    assert found["total"] > 0 and {p["terms"]["kind"] for p in found["items"]} == {"ip_pledge"}
