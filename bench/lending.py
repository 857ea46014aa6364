"""Lending: matching SMEs to loan products.

    python bench/lending.py --json
    python bench/lending.py --orgs 100000 --json

``match_one_ms``: p99 over ``--smes`` SMEs of ``product.queries.match``, one SME against
every product (319: DESIGN §1's scale), every reason built (their zh/en text is
rendered on demand). ``match_all_s``: the nightly batch (``product.batch.match_all``:
polars column expressions over the rules' lookup tables, then counts per product) for
``--orgs`` firms (default 11 million) against the same products. The firms'
attribute columns and bands are generated directly as numpy columns
(``product.catalogue.smes``), not timed: the band is an input column, as from a scoring
run. Each figure is one function (``FIGURES``); a later figure (``loans_tps``) adds
its own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import polars as pl

from smechain.modules.product import batch, catalogue
from smechain.modules.product import queries as q
from smechain.modules.product.contract import COLLATERAL, Product, Status

PRODUCTS = 319


def _products(n: int) -> list[Product]:
    return [Product(f"p{i:03d}", 1, f"bank-{i % 129}", t, 0, 0, Status.LIVE)
            for i, t in enumerate(catalogue.product_terms(n, seed=11))]


def match_one(a: argparse.Namespace) -> dict[str, Any]:
    """p99 and p50 of one SME against every product, in milliseconds."""
    compiled = q.compile_products(_products(a.products))
    cols = catalogue.smes(a.smes, seed=1)
    profiles = [q.SmeProfile(
        str(cols["band"][i]), str(cols["region"][i]), str(cols["industry"][i]),
        int(cols["years"][i]), str(cols["revenue_band"][i]), int(cols["headcount"][i]),
        str(cols["tax_grade"][i]),
        frozenset(c for j, c in enumerate(COLLATERAL) if int(cols["collateral"][i]) >> j & 1))
        for i in range(a.smes)]
    times = []
    for profile in profiles:
        start = time.perf_counter()
        q.match(profile, compiled)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"match_one_ms": round(times[int(len(times) * 0.99) - 1 if len(times) > 1 else 0], 3),
            "match_one_p50_ms": round(statistics.median(times), 3), "smes": a.smes}


def match_all(a: argparse.Namespace) -> dict[str, Any]:
    """Seconds for every firm against every product, and how many firms fit one or more."""
    products = _products(a.products)
    frame = pl.DataFrame(catalogue.smes(a.orgs, seed=2))
    start = time.perf_counter()
    fits, counts = batch.match_all(frame, products)
    seconds = time.perf_counter() - start
    matched = int((fits.get_column("matches") > 0).sum())
    return {"match_all_s": round(seconds, 2), "orgs": a.orgs,
            "orgs_matched": matched, "matches": int(sum(counts))}


FIGURES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "match_one": match_one, "match_all": match_all}
"""Each figure's function; ``--only`` runs some."""


def main_result(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the figures asked for and return them."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orgs", type=int, default=11_000_000, help="firms in the nightly batch")
    p.add_argument("--products", type=int, default=PRODUCTS)
    p.add_argument("--smes", type=int, default=10_000, help="SMEs timed one by one")
    p.add_argument("--only", choices=list(FIGURES), action="append")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    a = p.parse_args(argv)
    if a.orgs < 1 or a.products < 1 or a.smes < 1:
        p.error("--orgs, --products and --smes must be >= 1")
    result: dict[str, Any] = {"bench": "lending", "products": a.products, "failed": 0}
    for name in a.only or FIGURES:
        result.update(FIGURES[name](a))
    result["cores"] = os.cpu_count()
    result["polars_threads"] = pl.thread_pool_size()
    return result


def report(result: dict[str, Any], argv: list[str] | None) -> int:
    """Print ``result`` (one JSON line with ``--json``); exit status 1 if anything failed."""
    if "--json" in (argv if argv is not None else sys.argv[1:]):
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>16}: {v}")
    return 0 if result["failed"] == 0 else 1


def main(argv: list[str] | None = None) -> int:
    return report(main_result(argv), argv)


if __name__ == "__main__":
    sys.exit(main())
