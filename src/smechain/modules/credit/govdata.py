"""Synthetic government data about SMEs: one SQLite store per data owner, one for the bank.

Off-ledger machinery (DESIGN §5): each data-owning office keeps its own
records about firms, keyed by the firm's unified social credit code (USCC,
GB 32100-2015), in its own file ``<folder>/<category>.sqlite``; an owner's
process opens only its own file (:class:`OwnerStore`). The bank's past loans
and their outcomes live in ``<folder>/bank.sqlite`` and nowhere else.

What is generated, and why it can be learnt: every firm has a hidden quality
(standard normal) and a hidden trajectory (growing or declining). Both drive
what the owners see, with noise: sales and invoices, tax grade and arrears,
penalties, insured headcount and contribution arrears, trade, patents, court
cases, late electricity bills and the trend of electricity use; and both drive
whether a loan defaults within 12 months. Neither is written anywhere. Records
go missing as they do in life: only traders have customs records, only firms
with patents or trademarks have IP records, only firms with cases have court
records, and some firms are unknown to social insurance or the utility.

Money is integer fen; rates and trends are integer basis points. The data
describe the 12 months up to :data:`OBSERVED_ON`; the bank's loans were paid
out in the quarter after it, and ``defaulted`` says whether the loan went 90
days past due within 12 months of disbursement.

Determinism: firms are generated in fixed blocks of :data:`BLOCK` rows, each
from its own random stream seeded by ``(seed, block number)``, so the data
depend only on the seed and the firm's position, never on the chunk size or
on ``n`` (the first 1,000 firms of any run with the same seed are the same).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.NDArray[Any]

OBSERVED_ON = np.datetime64("2023-12-31", "D")
"""The day the owners' data describe (their 12-month windows end here)."""
BLOCK = 10_000
"""Firms per random stream; a chunk is sliced from whole blocks."""
SCHEMA_VERSION = "1"
MAX_ORGANISATIONS = 10**8
"""The organisation-code body has 8 digits; each firm gets a different one."""

CATEGORIES = ("tax", "market_regulation", "social_insurance", "customs", "ip", "courts",
              "utilities")
"""The data owners, named as consent categories; each is a file and a table."""

OWNER_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "tax": (
        ("invoices_issued_12m", "INTEGER"), ("invoices_issued_fen_12m", "INTEGER"),
        ("invoices_received_12m", "INTEGER"), ("invoices_received_fen_12m", "INTEGER"),
        ("vat_paid_fen_12m", "INTEGER"), ("credit_grade", "TEXT"),
        ("arrears_fen", "INTEGER"),
    ),
    "market_regulation": (
        ("registered_on", "TEXT"), ("registered_capital_fen", "INTEGER"),
        ("industry", "TEXT"), ("region", "TEXT"), ("province", "TEXT"),
        ("penalties", "INTEGER"), ("abnormal_operation", "INTEGER"),
    ),
    "social_insurance": (("headcount_insured", "INTEGER"), ("arrears_months", "INTEGER")),
    "customs": (
        ("export_fen_12m", "INTEGER"), ("import_fen_12m", "INTEGER"),
        ("credit_rating", "TEXT"),
    ),
    "ip": (("patents", "INTEGER"), ("trademarks", "INTEGER")),
    "courts": (
        ("judgments_as_defendant", "INTEGER"), ("enforcement_cases", "INTEGER"),
        ("dishonest_debtor", "INTEGER"),
    ),
    "utilities": (("late_payments_12m", "INTEGER"), ("usage_trend_bp", "INTEGER")),
}
"""Each owner's columns after ``uscc`` (name, SQLite type), in table order."""

LOAN_COLUMNS = (("principal_fen", "INTEGER"), ("disbursed_on", "TEXT"),
                ("defaulted", "INTEGER"))
"""The bank's ``loans`` table after ``uscc``: one past loan per borrowing firm."""

# --- code tables -------------------------------------------------------------------------

_USCC_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])  # GB 11714 organisation code
_ORG_MULTIPLIER = 61_803_397  # odd and not a multiple of 5: i -> a*i+b is a bijection mod 10^8

# Province-level divisions (GB/T 2260) weighted roughly by their count of enterprises.
_PROVINCES = np.array(["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33",
                       "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50",
                       "51", "52", "53", "54", "61", "62", "63", "64", "65"])
_PROVINCE_WEIGHTS = np.array([35, 12, 45, 15, 10, 20, 8, 10, 40, 100, 90, 40, 40, 20, 90, 50,
                              35, 30, 140, 20, 8, 20, 40, 15, 20, 2, 25, 8, 2, 3, 8])

# GB/T 4754-2017 sections A-R (S and T, government and international bodies, are no SMEs):
# share of SMEs, sales per head (10k CNY a year), typical invoice (CNY), output VAT rate
# (basis points) for general taxpayers, and leanings to trade and to patents.
_INDUSTRIES = np.array(list("ABCDEFGHIJKLMNOPQR"))
_INDUSTRY_WEIGHTS = np.array([40, 5, 140, 10, 60, 280, 30, 20, 60, 10, 40, 120, 90, 10, 30,
                              10, 10, 20])
_SALES_PER_HEAD = np.array([30, 80, 60, 120, 50, 150, 50, 20, 70, 100, 120, 60, 45, 30, 20,
                            15, 25, 30])
_TYPICAL_INVOICE = np.array([8e3, 5e4, 5e4, 3e4, 2e5, 2e4, 1e4, 8e2, 1e4, 5e4, 1e5, 1e4,
                             2e4, 3e4, 5e2, 5e3, 2e3, 5e3])
_VAT_BP = np.array([900, 1300, 1300, 1300, 900, 1300, 900, 600, 600, 600, 900, 600, 600, 600,
                    600, 600, 600, 600])
_TRADE_LEANING = np.array([0.5, 0.3, 1.6, -1.0, -0.5, 1.2, 0.3, -2.0, 0.2, -1.5, -2.0, 0.0,
                           0.2, -1.5, -2.0, -2.0, -1.0, -1.0])
_IP_LEANING = np.array([-0.3, 0.0, 1.2, 0.0, -0.2, -0.2, -0.8, -0.5, 1.5, -0.5, -0.8, 0.0,
                        1.6, -0.5, -0.5, -0.2, 0.2, 0.3])


class GovDataError(Exception):
    """A data owner's or the bank's store cannot be used."""


class StoreMissing(GovDataError, FileNotFoundError):
    """The store's file does not exist."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: no such store (generate it first)")
        self.path = path


class StoreDamaged(GovDataError):
    """The store's file exists but is not a complete store of the expected category."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: damaged store: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class GenerationReport:
    """What :func:`generate` wrote."""

    folder: Path
    """Where the stores are."""
    organisations: int
    """Firms generated (every one has a market-regulation record)."""
    rows: dict[str, int]
    """Rows written per store: each category and ``bank``."""


# --- the hidden process ------------------------------------------------------------------


def _sigmoid(x: Array) -> Array:
    return np.asarray(1 / (1 + np.exp(-x)))


def _fen(cny: Array) -> Array:
    found: Array = np.rint(np.asarray(cny) * 100).astype(np.int64)
    return found


def _usccs(index: Array, seed: int, division: Array, entity: Array) -> Array:
    """USCCs as ``S18`` bytes: ``9`` + entity type + division + organisation code + check.

    The organisation code's 8-digit body is an affine bijection of the firm's
    index (so codes are unique for up to 10^8 firms and look scattered), followed
    by its GB 11714 check character; the last character is GB 32100's check.
    """
    offset = int(np.random.SeedSequence(seed).generate_state(1)[0]) % MAX_ORGANISATIONS
    body = (index.astype(np.int64) * _ORG_MULTIPLIER + offset) % MAX_ORGANISATIONS
    digits = (body[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    org_check = (11 - (digits @ _ORG_WEIGHTS) % 11) % 11  # 10 is written X (index 29)
    org_check = np.where(org_check == 10, 29, org_check)
    div = np.frombuffer(division.astype("S6").tobytes(), dtype=np.uint8).reshape(-1, 6) - 48
    codes = np.column_stack([np.full(len(index), 9), entity, div, digits, org_check])
    check = (31 - (codes @ _USCC_WEIGHTS) % 31) % 31
    chars = _USCC_ALPHABET[np.column_stack([codes, check])]
    return np.ascontiguousarray(chars).view("S18").ravel()


def _block(seed: int, block: int) -> dict[str, Array]:
    """Every firm of one block, all columns of every store plus presence flags.

    Draws happen in a fixed order and always for the whole block, so a firm's
    values depend only on ``seed`` and its index.
    """
    rng = np.random.default_rng([seed, block])
    m = BLOCK
    index = np.arange(block * m, (block + 1) * m, dtype=np.int64)
    normal = rng.standard_normal
    age_years = np.clip(rng.gamma(1.6, 4.5, m), 0.05, 35.0)
    # Weak firms close young, so survivors' age says a little about quality.
    quality = 0.92 * normal(m) + 0.39 * (np.log(age_years) - 1.6) / 0.95
    trend = normal(m)  # trajectory: below 0 the firm is declining
    u = rng.random(m)
    entity = np.where(u < 0.90, 1, np.where(u < 0.98, 2, 3))  # enterprise, individual, coop
    individual = entity == 2
    province = rng.choice(len(_PROVINCES), m, p=_PROVINCE_WEIGHTS / _PROVINCE_WEIGHTS.sum())
    city, county = rng.integers(1, 11, m), rng.integers(1, 13, m)
    provincial = rng.random(m) < 0.04  # registered with the provincial bureau itself
    city, county = np.where(provincial, 0, city), np.where(provincial, 0, county)
    division = np.char.add(_PROVINCES[province],
                           np.char.zfill((city * 100 + county).astype("U4"), 4))
    industry = rng.choice(len(_INDUSTRIES), m, p=_INDUSTRY_WEIGHTS / _INDUSTRY_WEIGHTS.sum())

    log_head = (1.5 + 0.35 * np.log1p(age_years) + 0.3 * quality + 0.9 * normal(m)
                - 1.2 * individual)
    headcount = np.clip(np.rint(np.exp(log_head)), 1, 1500).astype(np.int64)
    sales_cny = (headcount * _SALES_PER_HEAD[industry] * 1e4
                 * np.exp(0.25 * quality + 0.15 * trend + 0.5 * normal(m))
                 * np.minimum(age_years, 1.0))  # a firm under a year old sold for part of it
    sales = _fen(sales_cny)

    # Trade: manufacturers and wholesalers of some size; a quarter only import.
    trader = rng.random(m) < _sigmoid(-4.2 + _TRADE_LEANING[industry] + 0.45 * log_head
                                      + 0.2 * quality) * np.where(individual, 0.2, 1.0)
    exporter = trader & (rng.random(m) < 0.75)
    export_share = np.where(exporter, rng.beta(2, 3, m), 0.0)
    importer = trader & ((rng.random(m) < 0.5) | ~exporter)
    imports = np.where(importer, _fen(sales_cny * rng.beta(1.2, 6, m)), 0)
    customs_score = quality + 0.6 * normal(m) + 0.3 * log_head
    customs_rating = np.where(customs_score > 2.6, "advanced",
                              np.where(customs_score < -2.0, "dishonest", "general"))

    # Tax: invoices follow sales; weak firms run thinner margins.
    in_tax = rng.random(m) < np.where(individual, 0.9, 0.99)
    issued_n = rng.poisson(np.minimum(sales_cny / (_TYPICAL_INVOICE[industry]
                                                   * np.exp(0.4 * normal(m))), 1e7))
    issued_n = np.where(sales > 0, np.maximum(issued_n, 1), 0)
    cost_ratio = _sigmoid(1.5 - 0.3 * quality + 0.4 * normal(m))
    received = _fen(sales_cny * cost_ratio)
    received_n = rng.poisson(issued_n * 0.5 * np.exp(0.5 * normal(m)) + 3)
    general_taxpayer = sales_cny > 5e6
    domestic = sales_cny * (1 - export_share)
    vat_cny = np.where(general_taxpayer,
                       np.maximum(domestic - sales_cny * cost_ratio * 0.9, 0)
                       * _VAT_BP[industry] / 1e4,
                       domestic * 0.01)  # small-scale taxpayers: 1 % of sales (2023)
    grade_score = quality + 0.6 * normal(m)
    grade = np.where(age_years < 1, "M",  # newly registered: not yet graded
                     np.where(grade_score > 0.85, "A", np.where(
                         grade_score > -0.5, "B", np.where(grade_score > -1.5, "C", "D"))))
    in_arrears = rng.random(m) < _sigmoid(-3.4 - 1.2 * quality - 0.5 * trend)
    arrears = np.where(in_arrears, _fen(vat_cny * rng.uniform(0.05, 0.5, m)
                                        + rng.uniform(1e3, 5e4, m)), 0)

    # Market regulation: every firm; capital in whole 10k CNY as registered.
    capital_cny = np.maximum(np.rint(headcount * np.exp(1.0 + normal(m))), 1) * 1e4
    registered_on = np.datetime_as_string(
        OBSERVED_ON - np.rint(age_years * 365.25).astype("timedelta64[D]"))
    penalties = rng.poisson(np.exp(-2.8 - 0.6 * quality + 0.25 * log_head))
    abnormal = rng.random(m) < _sigmoid(-3.8 - 1.2 * quality - 0.5 * trend + 0.5 * individual)

    # Social insurance: most enterprises, few individual businesses.
    in_social = rng.random(m) < np.where(individual, 0.3, 0.88)
    insured = rng.binomial(headcount, _sigmoid(1.2 + 0.5 * quality))
    owes_social = rng.random(m) < _sigmoid(-3.0 - 1.1 * quality - 0.6 * trend)
    social_arrears = np.where(owes_social, rng.integers(1, 13, m), 0)

    # IP: technology-leaning, larger, better firms.
    has_ip = rng.random(m) < _sigmoid(-3.0 + _IP_LEANING[industry] + 0.35 * log_head
                                      + 0.4 * quality)
    patents = rng.poisson(np.exp(-0.5 + 0.45 * log_head + 0.3 * quality
                                 + _IP_LEANING[industry]))
    trademarks = rng.poisson(np.exp(0.2 + 0.2 * log_head))
    trademarks = np.where(has_ip & (patents + trademarks == 0), 1, trademarks)

    # Courts: only firms with cases have a record.
    judgments = rng.poisson(np.exp(-3.0 - 0.8 * quality - 0.3 * trend + 0.3 * log_head))
    enforcement = rng.poisson(np.exp(-3.6 - 1.1 * quality - 0.4 * trend))
    dishonest = rng.random(m) < _sigmoid(-5.0 - 1.6 * quality - 0.4 * trend)
    enforcement = np.where(dishonest, np.maximum(enforcement, 1), enforcement)

    # Utilities: electricity bills in the firm's own name for most.
    in_utilities = rng.random(m) < np.where(individual, 0.6, 0.88)
    late = rng.binomial(12, _sigmoid(-2.8 - 0.9 * quality - 0.4 * trend))
    usage_trend = np.clip(np.rint((0.03 + 0.04 * quality + 0.12 * trend
                                   + 0.15 * normal(m)) * 1e4), -9000, 30000)

    # The bank lent to some firms (leaning to larger, better ones) in the next quarter.
    borrowed = rng.random(m) < _sigmoid(-1.9 + 0.35 * log_head + 0.35 * quality
                                        - 0.8 * individual)
    principal = np.maximum(np.rint(sales_cny * rng.uniform(0.05, 0.3, m) / 1e4), 1) * 1e4
    disbursed_on = np.datetime_as_string(
        OBSERVED_ON + rng.integers(1, 92, m).astype("timedelta64[D]"))
    defaulted = rng.random(m) < _sigmoid(-3.7 - 1.6 * quality - 0.8 * trend
                                         + 0.3 * (age_years < 2))

    uscc = _usccs(index, seed, division, entity)
    return {
        "uscc": uscc.astype("U18"),
        "invoices_issued_12m": issued_n, "invoices_issued_fen_12m": sales,
        "invoices_received_12m": received_n, "invoices_received_fen_12m": received,
        "vat_paid_fen_12m": _fen(vat_cny), "credit_grade": grade, "arrears_fen": arrears,
        "registered_on": registered_on, "registered_capital_fen": _fen(capital_cny),
        "industry": _INDUSTRIES[industry], "region": division,
        "province": np.char.add(_PROVINCES[province], "0000"),
        "penalties": penalties, "abnormal_operation": abnormal.astype(np.int64),
        "headcount_insured": insured, "arrears_months": social_arrears,
        "export_fen_12m": _fen(sales_cny * export_share), "import_fen_12m": imports,
        "credit_rating": customs_rating,
        "patents": np.where(has_ip, patents, 0), "trademarks": np.where(has_ip, trademarks, 0),
        "judgments_as_defendant": judgments, "enforcement_cases": enforcement,
        "dishonest_debtor": dishonest.astype(np.int64),
        "late_payments_12m": late, "usage_trend_bp": usage_trend.astype(np.int64),
        "principal_fen": _fen(principal), "disbursed_on": disbursed_on,
        "defaulted": defaulted.astype(np.int64),
        # who holds a record of whom
        "in_tax": in_tax, "in_market_regulation": np.ones(m, dtype=bool),
        "in_social_insurance": in_social, "in_customs": trader, "in_ip": has_ip,
        "in_courts": (judgments + enforcement) > 0, "in_utilities": in_utilities,
        "in_bank": borrowed,
    }


def firms(seed: int, start: int, stop: int) -> dict[str, Array]:
    """Firms ``start`` to ``stop`` (positions), every column and presence flag.

    The same firms come out whatever the slicing; :func:`generate` writes them.
    """
    first, last = start // BLOCK, (stop - 1) // BLOCK
    blocks = [_block(seed, b) for b in range(first, last + 1)]
    lo, hi = start - first * BLOCK, stop - first * BLOCK
    return {key: np.concatenate([b[key] for b in blocks])[lo:hi] for key in blocks[0]}


# --- writing -----------------------------------------------------------------------------


def _stores() -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    """Store name -> (table, columns after ``uscc``)."""
    found = {c: (c, OWNER_COLUMNS[c]) for c in CATEGORIES}
    found["bank"] = ("loans", LOAN_COLUMNS)
    return found


def generate(
    folder: str | os.PathLike[str],
    n: int = 100_000,
    seed: int = 0,
    chunk: int = 100_000,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationReport:
    """Write ``n`` firms' data into ``folder``: one file per owner and ``bank.sqlite``.

    Firms are generated and written ``chunk`` at a time (one transaction per
    store per chunk), so memory stays bounded whatever ``n``. Each file is built
    under a temporary name and renamed when complete, replacing an older one;
    an interrupted run leaves no store that looks whole. ``progress(done, n)``
    is called after every chunk.
    """
    if not 0 < n <= MAX_ORGANISATIONS:
        raise ValueError(f"n must be between 1 and {MAX_ORGANISATIONS:,}, not {n}")
    if chunk < 1:
        raise ValueError(f"chunk must be positive, not {chunk}")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stores = _stores()
    partial = {name: out / f"{name}.sqlite.partial" for name in stores}
    rows = dict.fromkeys(stores, 0)
    connections: dict[str, sqlite3.Connection] = {}
    try:
        for name, (table, columns) in stores.items():
            partial[name].unlink(missing_ok=True)
            db = connections[name] = sqlite3.connect(partial[name], isolation_level=None)
            # A file under construction: a crash means regenerating, so no journal.
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(f"CREATE TABLE {table} (uscc TEXT NOT NULL, "
                       + ", ".join(f"{c} {t} NOT NULL" for c, t in columns) + ")")
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            data = firms(seed, start, stop)
            for name, (table, columns) in stores.items():
                keep = data[f"in_{name}"]
                values = [data[c][keep].tolist() for c in ("uscc", *(c for c, _ in columns))]
                db = connections[name]
                db.execute("BEGIN")
                db.executemany(f"INSERT INTO {table} VALUES ("
                               + ", ".join("?" * len(values)) + ")", zip(*values, strict=True))
                db.execute("COMMIT")
                rows[name] += len(values[0])
            if progress is not None:
                progress(stop, n)
        for name, (table, _) in stores.items():
            db = connections[name]
            # One sort at the end is far cheaper than keeping an index through the load.
            db.execute(f"CREATE UNIQUE INDEX {table}_uscc ON {table} (uscc)")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("category", name), ("schema_version", SCHEMA_VERSION), ("seed", str(seed)),
                ("organisations", str(n)), ("rows", str(rows[name])),
                ("observed_on", str(OBSERVED_ON)),
            ])
            db.close()
            del connections[name]
            os.replace(partial[name], out / f"{name}.sqlite")
    except BaseException:
        for db in connections.values():
            db.close()
        for path in partial.values():
            path.unlink(missing_ok=True)
        raise
    return GenerationReport(out, n, rows)


# --- reading -----------------------------------------------------------------------------


def _store_path(folder: str | os.PathLike[str], name: str) -> Path:
    return Path(folder) / f"{name}.sqlite"


def _open(path: Path, name: str) -> sqlite3.Connection:
    """A read-only connection to a complete store of ``name``, or a clear error."""
    if not path.is_file():
        raise StoreMissing(path)
    table, columns = _stores()[name]
    with path.open("rb") as f:
        header = f.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        raise StoreDamaged(path, "not an SQLite database")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages * page_size > path.stat().st_size:
        raise StoreDamaged(path, f"file is shorter than its {pages} pages (truncated?)")
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        found = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    except sqlite3.DatabaseError as e:
        db.close()
        raise StoreDamaged(path, str(e)) from e
    expected = ["uscc", *(c for c, _ in columns)]
    problem = None
    if meta.get("category") != name:
        problem = f"holds {meta.get('category')!r}, not {name!r}"
    elif meta.get("schema_version") != SCHEMA_VERSION:
        problem = f"schema version {meta.get('schema_version')!r}, not {SCHEMA_VERSION!r}"
    elif found != expected:
        problem = f"table {table} has columns {found}, expected {expected}"
    if problem is not None:
        db.close()
        raise StoreDamaged(path, problem)
    return db


class OwnerStore:
    """One data owner's store, read by that owner's process only.

    ``OwnerStore(folder, "tax")`` opens ``<folder>/tax.sqlite`` read-only and
    checks it is a complete tax store; :class:`StoreMissing` or
    :class:`StoreDamaged` say what is wrong otherwise.
    """

    def __init__(self, folder: str | os.PathLike[str], category: str) -> None:
        if category not in OWNER_COLUMNS:
            raise ValueError(f"unknown category {category!r}; one of {', '.join(CATEGORIES)}")
        self.category = category
        self.path = _store_path(folder, category)
        self.columns: tuple[str, ...] = tuple(c for c, _ in OWNER_COLUMNS[category])
        """The feature columns, in order (``uscc`` is the frames' index)."""
        self._types = dict(OWNER_COLUMNS[category])
        self._db = _open(self.path, category)

    def count(self) -> int:
        """Firms this owner holds a record of."""
        return int(self._query(f"SELECT count(*) FROM {self.category}")[0][0])

    def features(self, usccs: Sequence[str] | None = None,
                 chunk: int = 100_000) -> Iterator[pd.DataFrame]:
        """The owner's records, ``chunk`` firms at a time, as frames indexed by ``uscc``.

        With ``usccs``, the records of those firms in that order, looked up
        ``chunk`` codes at a time; a firm this owner holds no record of has no
        row (``frame.reindex(codes)`` gives it missing values). Without, every
        record in storage order. Integer columns are ``int64``, text ``object``.
        """
        if chunk < 1:
            raise ValueError(f"chunk must be positive, not {chunk}")
        select = ", ".join(("uscc", *self.columns))
        if usccs is None:
            try:
                cursor = self._db.execute(f"SELECT {select} FROM {self.category} ORDER BY rowid")
                while rows := cursor.fetchmany(chunk):
                    yield self._frame(rows)
            except sqlite3.DatabaseError as e:
                raise StoreDamaged(self.path, str(e)) from e
            return
        codes = list(usccs)
        for start in range(0, len(codes), chunk):
            part = codes[start:start + chunk]
            rows = self._query(
                f"SELECT {select} FROM {self.category} "
                "JOIN (SELECT key AS pos, value AS want FROM json_each(?)) ON uscc = want "
                "ORDER BY pos", (json.dumps(part),))
            yield self._frame(rows)

    def arrays(self, chunk: int = 100_000) -> Iterator[dict[str, Array]]:
        """Every record, ``chunk`` at a time, as one numpy array per column (and ``uscc``)."""
        for frame in self.features(chunk=chunk):
            found = {"uscc": frame.index.to_numpy()}
            found.update({c: frame[c].to_numpy() for c in self.columns})
            yield found

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> OwnerStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, sql: str, args: Sequence[str] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as e:
            raise StoreDamaged(self.path, str(e)) from e

    def _frame(self, rows: list[Any]) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(rows, columns=["uscc", *self.columns])
        for c in self.columns:
            frame[c] = frame[c].astype(np.int64 if self._types[c] == "INTEGER" else object)
        return frame.set_index("uscc")


def read_loans(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """The bank's past loans and outcomes (``bank.sqlite``), indexed by ``uscc``.

    Only the bank reads this file; it is the one place labels exist.
    """
    path = _store_path(folder, "bank")
    db = _open(path, "bank")
    try:
        rows = db.execute("SELECT uscc, " + ", ".join(c for c, _ in LOAN_COLUMNS)
                          + " FROM loans ORDER BY rowid").fetchall()
    except sqlite3.DatabaseError as e:
        raise StoreDamaged(path, str(e)) from e
    finally:
        db.close()
    frame = pd.DataFrame.from_records(rows, columns=["uscc", *(c for c, _ in LOAN_COLUMNS)])
    for c, t in LOAN_COLUMNS:
        frame[c] = frame[c].astype(np.int64 if t == "INTEGER" else object)
    return frame.set_index("uscc")


def adopt(folder: str | os.PathLike[str], codes: Sequence[str]) -> list[str]:
    """Give the first ``len(codes)`` generated firms the USCCs ``codes`` in every store
    (the bank's too), so that named organisations (the demo's SMEs) have records; their
    region follows the code's administrative division (characters 3–8). Returns the
    codes the firms had. ``ValueError`` for an invalid or already used code."""
    from stdnum.cn import uscc as stdnum_uscc

    for i, code in enumerate(codes):
        if not stdnum_uscc.is_valid(code):
            raise ValueError(f"codes[{i}]: {code!r} is not a valid unified social credit code")
    path = _store_path(folder, "market_regulation")
    db = sqlite3.connect(path)
    try:
        old = [row[0] for row in db.execute(
            "SELECT uscc FROM market_regulation ORDER BY rowid LIMIT ?", (len(codes),))]
    finally:
        db.close()
    if len(old) < len(codes):
        raise ValueError(f"codes: {len(codes)} codes for a store of {len(old)} firms")
    pairs = list(zip(codes, old, strict=True))
    for name, (table, _) in _stores().items():
        db = sqlite3.connect(_store_path(folder, name))
        try:
            with db:
                taken = db.execute(f"SELECT uscc FROM {table} WHERE uscc IN "
                                   f"({','.join('?' * len(codes))})", list(codes)).fetchall()
                if taken and set(r[0] for r in taken) - set(old):
                    raise ValueError(f"codes: {taken[0][0]!r} is already a firm's code")
                db.executemany(f"UPDATE {table} SET uscc = ? WHERE uscc = ?", pairs)
                if name == "market_regulation":
                    db.executemany("UPDATE market_regulation SET region = ?, province = ? "
                                   "WHERE uscc = ?",
                                   [(c[2:8], c[2:4] + "0000", c) for c in codes])
        finally:
            db.close()
    return old
