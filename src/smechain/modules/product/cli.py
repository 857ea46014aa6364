"""``smechain product``: publish, revise and withdraw products; list them; run the nightly
match of every SME against every live product."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import contract_app, fail, view_of
from smechain.cli.render import dumps
from smechain.core.encoding import decode
from smechain.modules.product import queries as q
from smechain.modules.product.contract import CONTRACT, PRODUCT_PREFIX, Product

_TERMS = ('{"name": "Working capital 流动资金贷", "institution": "Bank A", '
          '"kind": "working_capital", "currency": "CNY", "min_amount": 10000000, '
          '"max_amount": 500000000, "min_term_months": 6, "max_term_months": 36, '
          '"min_rate_bp": 350, "max_rate_bp": 600, "repayment": "equal_instalments", '
          '"eligibility": {"min_band": "C", "regions": ["31", "32"], "industries": ["C"], '
          '"min_years": 2, "revenue_bands": ["1m_10m", "10m_50m"], "min_headcount": 5, '
          '"max_headcount": 300, "tax_grades": ["A", "B"], "collateral": []}}')
EXAMPLES = {
    "publish": '{"id": "bank-a.wc-01", "terms": ' + _TERMS + "} (kind: working_capital, "
               "receivable_financing, ip_pledge, export_record, guarantee_backed; repayment: "
               "equal_instalments, equal_principal, interest_only_balloon; amounts in fen, "
               "terms in months, rates in bp)",
    "revise": '{"id": "bank-a.wc-01", "terms": {...as publish}}',
    "withdraw": '{"id": "bank-a.wc-01"}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Loan products: publish, revise, withdraw; list; match-all.",
                   EXAMPLES)


@app.command("list")
def list_products(
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
    bank: Annotated[str | None, typer.Option(help="One bank's products.")] = None,
) -> None:
    """List the products at their newest version, by id."""
    view = view_of(data)
    found = [decode(raw, Product) for _, raw, _ in view.store.iter_state(PRODUCT_PREFIX)]
    typer.echo(dumps(q.listing(found, bank)))


@app.command("match-all")
def match_all(
    folder: Annotated[Path, typer.Option("--folder", help="The data owners' stores "
                                         "(a peer's is <data>/credit/owners).")],
    out: Annotated[str, typer.Option("--out", help="The folder the results go into, "
                                     "created if need be (the API reads "
                                     "<data>/product/matches).")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder: the live "
                                       "products.")],
    model: Annotated[Path | None, typer.Option(
        "--model", help="A scorecard artefact: each firm's band by a plain scoring run. "
        "Without it firms have no band and fit only products open to every band.")] = None,
) -> None:
    """Match every SME in the owners' stores against every live product.

    The nightly match, column-wise: writes matches per SME and counts per product into
    the folder --out."""
    from rich.progress import Progress

    from smechain.modules.credit import govdata
    from smechain.modules.product import batch

    if not folder.is_dir():
        fail(f"--folder: {folder} is not a folder of owners' stores")
    if model is not None and not model.is_file():
        fail(f"--model: {model} is not a file")
    if not out.strip() or Path(out).name in ("", ".", ".."):
        fail(f"--out: {out!r} names no folder of its own; give one, e.g. "
             "<data>/product/matches (the results are several files)")
    target = Path(out)
    if target.exists() and not target.is_dir():
        fail(f"--out: {out} is not a folder")
    view = view_of(data)
    products = q.live(decode(raw, Product)
                      for _, raw, _ in view.store.iter_state(PRODUCT_PREFIX))
    with Progress(transient=True) as bar:
        step = bar.add_task("reading the owners' stores", total=4)
        try:
            frame = batch.attributes(folder)
            bar.update(step, advance=1, description=f"scoring {frame.height:,} firms")
            usccs = frame.get_column("uscc").to_list()
            bands = (batch.bands_from_model(folder, model, usccs) if model is not None
                     else [""] * len(usccs))
        except govdata.GovDataError as exc:
            fail(f"--folder: {exc}")
        except ValueError as exc:
            fail(f"--model: {exc}")
        import polars as pl

        frame = frame.with_columns(pl.Series("band", bands, dtype=pl.String))
        bar.update(step, advance=1, description=f"matching against {len(products)} products")
        started = time.perf_counter()
        fits, counts = batch.match_all(frame, products)
        seconds = time.perf_counter() - started
        bar.update(step, advance=1, description="writing")
        try:
            batch.write(target, frame, fits, counts, products, int(time.time() * 1000))
        except OSError as exc:
            fail(f"--out: {out} cannot be written ({exc.strerror or exc})")
        bar.update(step, advance=1)
    typer.echo(dumps({"out": out, "smes": frame.height, "products": len(products),
                      "match_s": round(seconds, 3),
                      "matched_smes": int((fits.get_column("matches") > 0).sum())}))
