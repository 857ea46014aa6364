"""Products' part of the demo:

- 35 days ago (before the loans' seed applies for loans citing them) Bank A and Bank B
  publish 319 products on behalf of the 129 lending
  institutions of ``catalogue.INSTITUTIONS`` (the scale DESIGN §1 plans for), each
  product naming its institution in its terms: the institutions are not members of the
  demo consortium, so the consortium's organisation count (and the tests that count
  organisations) stays as it is, and 319 transactions go in a handful of blocks;
- 10 days ago Bank A revises its first product (version 2; version 1 stays readable,
  ``ids["revised_product"]``) and Bank B withdraws one (``ids["withdrawn_product"]``);
- then the nightly match runs over the owners' stores, each firm's band from a plain
  scoring run of the credit seed's model (``batch.run``), into the API's folder.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from smechain.api.demo import DemoBuilder, Seed
from smechain.core.encoding import decode, plain
from smechain.modules.credit.routes import credit_folder
from smechain.modules.product import batch, catalogue
from smechain.modules.product import queries as q
from smechain.modules.product.contract import PRODUCT_PREFIX, Product
from smechain.modules.product.routes import matches_folder

PRODUCTS = 319
BANKS = ("bank-a", "bank-b")


def _publish_all(demo: DemoBuilder) -> list[str]:
    """Every product of the catalogue, the last one waited for (one key's transactions
    commit in nonce order); their ids."""
    p = demo.platform
    terms = catalogue.product_terms(PRODUCTS, seed=11)
    ids = []
    for i, t in enumerate(terms):
        bank = BANKS[i % 2]
        product_id = f"{bank}.p{i + 1:03d}"
        args = p.ledger_args("product", "publish", {"id": product_id,
                                                    "terms": plain(t)})
        last = i >= len(terms) - 2
        p.raise_for(p.submit_custodial(demo.caller(bank), "product", "publish", args, last))
        ids.append(product_id)
    return ids


def _products(demo: DemoBuilder) -> list[Product]:
    return [decode(raw, Product) for _, raw, _ in demo.node.store.iter_state(PRODUCT_PREFIX)]


def seed(demo: DemoBuilder) -> Seed:
    """Publish the catalogue, revise and withdraw a product, run the nightly match (see
    ``smechain.api.demo.Seed``)."""
    yield 35
    ids = _publish_all(demo)
    found = _products(demo)
    if len(found) != PRODUCTS:
        raise RuntimeError(f"demo: {len(found)} of {PRODUCTS} products were published")
    demo.ids["products"] = ids
    yield 10
    first = next(p for p in found if p.id == ids[0])
    revised = msgspec.structs.replace(first.terms, max_rate_bp=first.terms.max_rate_bp + 50)
    demo.do(first.bank, "product", "revise", {"id": first.id,
                                              "terms": plain(revised)})
    demo.do("bank-b", "product", "withdraw", {"id": ids[1]})
    demo.ids.update(revised_product=first.id, withdrawn_product=ids[1])
    live = q.live(_products(demo))
    folder = credit_folder(demo.platform)
    model = folder / "models" / f"{demo.ids['model']}.json"

    def bands(usccs: list[str]) -> list[str]:
        return batch.bands_from_model(folder / "owners", model, usccs)

    summary: dict[str, Any] = batch.run(folder / "owners", matches_folder(demo.platform),
                                        live, bands, int(time.time() * 1000))
    demo.ids["matched_smes"] = summary["smes"]
