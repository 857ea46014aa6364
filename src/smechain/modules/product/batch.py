"""The nightly match: every SME against every live product, column-wise, off the ledger.

Each eligibility rule is a lookup table. For one rule kind (band, region, industry,
years, revenue band, headcount, tax grade, collateral) every SME's value becomes a
small integer code, and the table holds, for each code, the set of products whose rule
accepts it, as a bitset of ``words`` 64-bit words (319 products: 5 words). An SME's
products are then the AND, word by word, of its eight lookups: polars evaluates those
as vectorised column expressions (``gather`` and ``&``) over all SMEs at once, on every
core. Numeric rules (years, headcount) are exact through buckets: the values between
two consecutive thresholds of any product meet the same rules, so a bucket's set is
the rule checked at its lower end.

What it writes (``write``), into a folder the API reads (``<data>/product/matches``):
``matches.parquet`` (per SME: ``uscc``, ``band``, ``matches``, the bitset words) and
``products.json`` (the products in bit order with how many SMEs each matches, the run's
time and size). ``queries.match`` is the same rule for one SME; a property test holds
them equal.

Inputs: ``attributes`` reads the SME attributes from the data owners' stores of
``credit.govdata`` as they expose them (``OwnerStore.arrays``). The score band is an
input column: the platform does not hold SMEs' scores, so the batch takes a band per
firm from whoever ran the scoring (the benchmark and the demo: a plain scoring run,
``bands_from_model``; a firm with no band gets ``""``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from smechain.modules.product.contract import (
    BANDS,
    COLLATERAL,
    INDUSTRIES,
    REGIONS,
    REVENUE_BAND_FLOORS,
    REVENUE_BANDS,
    TAX_GRADES,
    Product,
)

Array = npt.NDArray[Any]
MATCHES = "matches.parquet"
PRODUCTS = "products.json"
UNKNOWN = "?"
"""The code of a value outside a rule's known codes (it meets only rules that accept any)."""


def words_for(n: int) -> int:
    """How many 64-bit words hold ``n`` products' bits."""
    return max(1, -(-n // 64))


@dataclass(frozen=True, slots=True)
class Rules:
    """The products' rules as lookup tables: ``tables[kind]`` is an array of shape
    (codes, words), ``uint64``; ``cuts[kind]`` the bucket thresholds of a numeric kind."""

    products: tuple[Product, ...]
    tables: dict[str, Array]
    cuts: dict[str, Array]

    @property
    def words(self) -> int:
        return words_for(len(self.products))


CODES: dict[str, tuple[str, ...]] = {
    "band": (*BANDS, ""), "region": (*REGIONS, UNKNOWN), "industry": (*INDUSTRIES, UNKNOWN),
    "revenue_band": (*REVENUE_BANDS, UNKNOWN), "tax_grade": (*TAX_GRADES, UNKNOWN),
}
"""The codes of each categorical kind, in table order (the last: no band, or unknown)."""


def _accepts(product: Product, kind: str, value: Any) -> bool:
    """Whether ``product``'s rule of ``kind`` accepts ``value`` (the table's entries)."""
    e = product.terms.eligibility
    if kind == "band":
        if value == "":
            return e.min_band == BANDS[-1]
        return BANDS.index(value) <= BANDS.index(e.min_band)
    if kind in ("region", "industry", "revenue_band", "tax_grade"):
        accepted = {"region": e.regions, "industry": e.industries,
                    "revenue_band": e.revenue_bands, "tax_grade": e.tax_grades}[kind]
        return not accepted or value in accepted
    if kind == "years":
        return bool(value >= e.min_years)
    if kind == "headcount":
        return bool(e.min_headcount <= value and (not e.max_headcount
                                                 or value <= e.max_headcount))
    if kind == "collateral":  # value: bitmask over COLLATERAL
        wanted = sum(1 << COLLATERAL.index(c) for c in e.collateral)
        return not wanted or bool(value & wanted)
    raise ValueError(kind)


def _table(products: Sequence[Product], kind: str, values: Sequence[Any]) -> Array:
    table = np.zeros((len(values), words_for(len(products))), dtype=np.uint64)
    for j, p in enumerate(products):
        bit = np.uint64(1 << (j % 64))
        for i, v in enumerate(values):
            if _accepts(p, kind, v):
                table[i, j // 64] |= bit
    return table


def compile_rules(products: Sequence[Product]) -> Rules:
    """Lookup tables of ``products``' rules (bit ``j`` is ``products[j]``)."""
    products = tuple(products)
    tables = {kind: _table(products, kind, codes) for kind, codes in CODES.items()}
    years = np.unique(np.array([0, *(p.terms.eligibility.min_years for p in products)],
                               dtype=np.int64))
    heads = np.unique(np.array([0, *(h for p in products for h in (
        p.terms.eligibility.min_headcount,
        *((p.terms.eligibility.max_headcount + 1,) if p.terms.eligibility.max_headcount
          else ())))], dtype=np.int64))
    cuts = {"years": years, "headcount": heads}
    # Bucket b holds values in [cuts[b-1], cuts[b]); bucket 0 is below every threshold.
    for kind, cut in cuts.items():
        tables[kind] = _table(products, kind, [int(cut[0]) - 1, *(int(c) for c in cut)])
    tables["collateral"] = _table(products, "collateral", range(1 << len(COLLATERAL)))
    return Rules(products, tables, cuts)


def coded(frame: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """``frame``'s attribute columns (``band``, ``region``, ``industry``, ``years``,
    ``revenue_band``, ``headcount``, ``tax_grade``: text or integers; ``collateral``: a
    bitmask over ``COLLATERAL``) as the tables' integer codes."""
    exprs = []
    for kind, codes in CODES.items():
        exprs.append(pl.col(kind).replace_strict(
            list(codes), list(range(len(codes))), default=len(codes) - 1,
            return_dtype=pl.UInt16).alias(kind))
    for kind, cut in rules.cuts.items():
        exprs.append(pl.lit(pl.Series(cut)).search_sorted(pl.col(kind).cast(pl.Int64),
                                                          side="right")
                     .cast(pl.UInt32).alias(kind))
    exprs.append(pl.col("collateral").cast(pl.UInt16))
    return frame.select(exprs)


KINDS = ("band", "region", "industry", "years", "revenue_band", "headcount", "tax_grade",
         "collateral")


def fit_words(codes: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Per SME, the bitset of the products it fits (columns ``w0``... ``uint64``) and
    their number (``matches``): each word the AND of the eight rules' lookups."""
    exprs = []
    for w in range(rules.words):
        word: pl.Expr | None = None
        for kind in KINDS:
            looked = pl.lit(pl.Series(rules.tables[kind][:, w])).gather(pl.col(kind))
            word = looked if word is None else word & looked
        assert word is not None
        exprs.append(word.alias(f"w{w}"))
    found = codes.select(exprs)
    return found.with_columns(pl.sum_horizontal(
        [pl.col(f"w{w}").bitwise_count_ones() for w in range(rules.words)])
        .cast(pl.UInt32).alias("matches"))


_BITS16 = np.unpackbits(np.arange(1 << 16, dtype="<u2").view(np.uint8).reshape(-1, 2),
                        axis=1, bitorder="little").astype(np.int64)


def per_product(fits: pl.DataFrame, rules: Rules) -> list[int]:
    """How many SMEs fit each product, in product order: the words' bits summed, 16 at a
    time through a histogram."""
    counts = np.zeros(rules.words * 64, dtype=np.int64)
    for w in range(rules.words):
        column = fits.get_column(f"w{w}").to_numpy()
        for k in range(4):
            part = (column >> np.uint64(16 * k)).astype(np.uint16)
            start = w * 64 + k * 16
            counts[start:start + 16] = np.bincount(part, minlength=1 << 16) @ _BITS16
    return [int(c) for c in counts[:len(rules.products)]]


def bits_of(row: dict[str, Any], n: int) -> list[int]:
    """The product positions set in one SME's row of words."""
    return [j for j in range(n) if (int(row[f"w{j // 64}"]) >> (j % 64)) & 1]


def match_all(frame: pl.DataFrame, products: Sequence[Product]
              ) -> tuple[pl.DataFrame, list[int]]:
    """Every SME of ``frame`` (attribute columns as ``coded`` takes them) against
    ``products``: the per-SME words and match counts, and the per-product counts."""
    rules = compile_rules(products)
    fits = fit_words(coded(frame, rules), rules)
    return fits, per_product(fits, rules)


# --- reading the owners' stores -------------------------------------------------------


def _by_uscc(folder: Path, category: str, columns: Sequence[str],
             usccs: Sequence[str] | None) -> pl.DataFrame:
    """``columns`` of one owner's records (of ``usccs``, or all), with ``uscc``."""
    from smechain.modules.credit import govdata

    parts = []
    with govdata.OwnerStore(folder, category) as store:
        for chunk in store.features(usccs):
            parts.append(pl.DataFrame({"uscc": chunk.index.to_numpy().astype(str),
                                       **{c: chunk[c].to_numpy() for c in columns}}))
    if not parts:
        return pl.DataFrame({c: [] for c in ("uscc", *columns)},
                            schema={"uscc": pl.String, **dict.fromkeys(columns, pl.Int64)})
    return pl.concat(parts)


def attributes(folder: str | os.PathLike[str], usccs: Sequence[str] | None = None
               ) -> pl.DataFrame:
    """SME attributes from the data owners' stores (``credit.govdata``), one row per firm
    the market regulator registers: region (province) and industry and years in
    business from the market regulator, revenue band (invoiced sales) and tax grade
    from the tax bureau, headcount from social insurance, and collateral kinds the
    records show (receivables: it invoices; ip: patents or trademarks; export_orders:
    it exports). A firm an owner holds no record of gets the unknown code or 0. With
    ``usccs``, those firms only (each owner looks them up by code)."""
    from smechain.modules.credit import govdata

    base = Path(folder)
    observed = str(govdata.OBSERVED_ON)
    market = _by_uscc(base, "market_regulation", ("registered_on", "industry", "province"),
                      usccs)
    tax = _by_uscc(base, "tax", ("invoices_issued_fen_12m", "credit_grade"), usccs)
    social = _by_uscc(base, "social_insurance", ("headcount_insured",), usccs)
    ip = _by_uscc(base, "ip", ("patents", "trademarks"), usccs)
    customs = _by_uscc(base, "customs", ("export_fen_12m",), usccs)
    frame = (market.join(tax, on="uscc", how="left").join(social, on="uscc", how="left")
             .join(ip, on="uscc", how="left").join(customs, on="uscc", how="left"))
    floors = list(REVENUE_BAND_FLOORS[1:])
    sales = pl.col("invoices_issued_fen_12m").fill_null(0)
    revenue = pl.lit(pl.Series(list(REVENUE_BANDS))).gather(
        pl.lit(pl.Series(floors)).search_sorted(sales, side="right"))
    collateral = (
        pl.when(sales > 0).then(1 << COLLATERAL.index("receivables")).otherwise(0)
        | pl.when(pl.col("patents").fill_null(0) + pl.col("trademarks").fill_null(0) > 0)
        .then(1 << COLLATERAL.index("ip")).otherwise(0)
        | pl.when(pl.col("export_fen_12m").fill_null(0) > 0)
        .then(1 << COLLATERAL.index("export_orders")).otherwise(0))
    registered = pl.col("registered_on").str.to_date()
    end = pl.lit(observed).str.to_date()
    years = ((end.dt.year() - registered.dt.year())
             - pl.when((end.dt.month() * 100 + end.dt.day())
                       < (registered.dt.month() * 100 + registered.dt.day()))
             .then(1).otherwise(0))
    return frame.select(
        pl.col("uscc"), pl.col("province").str.slice(0, 2).alias("region"),
        pl.col("industry"), years.cast(pl.Int64).alias("years"),
        revenue.alias("revenue_band"),
        pl.col("headcount_insured").fill_null(0).cast(pl.Int64).alias("headcount"),
        pl.col("credit_grade").fill_null(UNKNOWN).alias("tax_grade"),
        collateral.cast(pl.UInt16).alias("collateral"))


def bands_from_model(folder: str | os.PathLike[str], model: str | os.PathLike[str],
                     usccs: Sequence[str]) -> list[str]:
    """Each firm's band by a plain scoring run of the scorecard artefact ``model`` on the
    owners' stores joined in one place (for the demo and the benchmark; in a
    deployment the bands come from the private scoring of ``credit.desk``)."""
    from smechain.modules.credit import desk
    from smechain.modules.credit.scorecard import ScorecardModel

    card = ScorecardModel.load(Path(model))
    frame = desk.joined_features(Path(folder), list(usccs), card.owners)
    return [str(b) for b in card.band(card.score(frame))]


# --- the files the routes read ---------------------------------------------------------


def write(out: str | os.PathLike[str], frame: pl.DataFrame, fits: pl.DataFrame,
          counts: Sequence[int], products: Sequence[Product], ran_at_ms: int) -> Path:
    """Write ``matches.parquet`` and ``products.json`` into ``out`` (replacing a previous
    run's whole: each file is written aside and renamed)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    table = pl.concat([frame.select("uscc", "band"), fits], how="horizontal")
    table.write_parquet(folder / (MATCHES + ".partial"))
    doc = {"ran_at_ms": ran_at_ms, "smes": frame.height, "words": words_for(len(products)),
           "products": [{"id": p.id, "version": p.version, "bank": p.bank,
                         "name": p.terms.name, "institution": p.terms.institution,
                         "kind": p.terms.kind, "matches": int(c)}
                        for p, c in zip(products, counts, strict=True)]}
    (folder / (PRODUCTS + ".partial")).write_text(json.dumps(doc, ensure_ascii=False))
    os.replace(folder / (MATCHES + ".partial"), folder / MATCHES)
    os.replace(folder / (PRODUCTS + ".partial"), folder / PRODUCTS)
    return folder


def read_summary(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The last run's ``products.json``, or ``None`` when there has been none."""
    path = Path(folder) / PRODUCTS
    if not path.is_file():
        return None
    found: dict[str, Any] = json.loads(path.read_text())
    return found


def read_sme(folder: str | os.PathLike[str], uscc: str) -> dict[str, Any] | None:
    """One SME's row of the last run (``uscc``, ``band``, ``matches``, ``w0``...), or
    ``None``."""
    path = Path(folder) / MATCHES
    if not path.is_file():
        return None
    rows = pl.scan_parquet(path).filter(pl.col("uscc") == uscc).collect().to_dicts()
    return rows[0] if rows else None


def run(folder: str | os.PathLike[str], out: str | os.PathLike[str],
        products: Sequence[Product], bands: Callable[[list[str]], list[str]],
        ran_at_ms: int) -> dict[str, Any]:
    """The nightly batch: attributes from the owners' stores in ``folder``, a band per
    firm from ``bands(usccs)``, every firm against ``products``, written into ``out``;
    the summary."""
    frame = attributes(folder)
    frame = frame.with_columns(pl.Series("band", bands(frame.get_column("uscc").to_list())))
    fits, counts = match_all(frame, products)
    write(out, frame, fits, counts, products, ran_at_ms)
    summary = read_summary(out)
    assert summary is not None
    return summary
