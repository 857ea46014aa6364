"""Synthetic government data: valid codes, one store per owner, labels only at the bank."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from stdnum.cn import uscc

from smechain.modules.credit import govdata
from smechain.modules.credit.govdata import (
    CATEGORIES,
    OWNER_COLUMNS,
    OwnerStore,
    StoreDamaged,
    StoreMissing,
    generate,
    read_loans,
)

N = 20_000
SEED = 7


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("govdata")
    generate(out, n=N, seed=SEED)
    return out


def _all(folder: Path, category: str) -> pd.DataFrame:
    with OwnerStore(folder, category) as store:
        return pd.concat(store.features(chunk=6_000))


def _registry(folder: Path) -> pd.DataFrame:
    return _all(folder, "market_regulation")


def test_every_code_is_a_valid_unique_uscc_matching_the_registered_region(folder: Path) -> None:
    registry = _registry(folder)
    codes = registry.index.to_list()
    assert len(codes) == N and len(set(codes)) == N
    assert all(uscc.is_valid(code) for code in codes)
    assert (registry.index.str[2:8] == registry["region"]).all()
    assert (registry["province"].str[:2] == registry["region"].str[:2]).all()
    assert (registry["province"].str[2:] == "0000").all()
    assert set(registry.index.str[:2]) <= {"91", "92", "93"}


def _gb11714_check(body: str) -> str:
    """The organisation code's check character, written out from GB 11714."""
    c = 11 - sum(int(d) * w for d, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def test_organisation_code_inside_the_uscc_carries_its_own_check(folder: Path) -> None:
    codes = _registry(folder).index[:2_000]
    assert all(code[16] == _gb11714_check(code[8:16]) for code in codes)


def _everything(folder: Path) -> dict[str, pd.DataFrame]:
    found = {c: _all(folder, c) for c in CATEGORIES}
    found["bank"] = read_loans(folder)
    return found


def test_chunking_changes_nothing_and_the_seed_decides(folder: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    report = generate(tmp_path / "a", n=N, seed=SEED, chunk=7_001,
                      progress=lambda done, total: calls.append((done, total)))
    assert calls == [(7_001, N), (14_002, N), (N, N)]
    one, other = _everything(folder), _everything(tmp_path / "a")
    for name, frame in one.items():
        pd.testing.assert_frame_equal(frame, other[name])
        assert report.rows[name] == len(frame)
    generate(tmp_path / "b", n=1_000, seed=SEED + 1)
    assert not set(_registry(tmp_path / "b").index) & set(one["market_regulation"].index)
    # A smaller run with the same seed is the same firms, as far as it goes.
    generate(tmp_path / "c", n=1_000, seed=SEED)
    pd.testing.assert_frame_equal(_registry(tmp_path / "c"),
                                  one["market_regulation"].iloc[:1_000])


def test_each_owner_file_holds_only_its_own_columns_and_no_label(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{name}.sqlite" for name in (*CATEGORIES, "bank"))
    for category in CATEGORIES:
        db = sqlite3.connect(folder / f"{category}.sqlite")
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {category, "meta"}
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({category})")]
        assert columns == ["uscc", *(c for c, _ in OWNER_COLUMNS[category])]
        assert not {"defaulted", "principal_fen", "disbursed_on"} & set(columns)
        db.close()


def test_the_bank_holds_the_labels_of_a_subset_of_firms(folder: Path) -> None:
    loans = read_loans(folder)
    registry = _registry(folder)
    assert loans.index.is_unique and set(loans.index) <= set(registry.index)
    assert 0.1 * N < len(loans) < 0.5 * N
    assert set(loans["defaulted"].unique()) == {0, 1}
    assert 0.03 <= loans["defaulted"].mean() <= 0.08
    assert (loans["principal_fen"] > 0).all()
    assert (loans["disbursed_on"] > str(govdata.OBSERVED_ON)).all()


def test_owners_records_are_linked_and_consistent(folder: Path) -> None:
    data = _everything(folder)
    registry = data["market_regulation"]
    for category in CATEGORIES:
        assert set(data[category].index) <= set(registry.index)
    # Missing records as in life: everyone is registered, few trade or hold IP.
    assert len(data["tax"]) > 0.95 * N
    assert 0.02 * N < len(data["customs"]) < 0.2 * N
    assert 0.05 * N < len(data["ip"]) < 0.3 * N
    customs = data["customs"]
    assert ((customs["export_fen_12m"] > 0) | (customs["import_fen_12m"] > 0)).all()
    assert ((data["ip"]["patents"] + data["ip"]["trademarks"]) > 0).all()
    courts = data["courts"]
    assert ((courts["judgments_as_defendant"] + courts["enforcement_cases"]) > 0).all()
    assert (courts.loc[courts["dishonest_debtor"] == 1, "enforcement_cases"] > 0).all()
    # Exports are part of sales; bigger workforces issue more invoices.
    tax = data["tax"]
    both = customs.join(tax, how="inner")
    assert (both["export_fen_12m"] <= both["invoices_issued_fen_12m"]).all()
    insured = data["social_insurance"].join(tax, how="inner")
    rho = insured["headcount_insured"].rank().corr(insured["invoices_issued_fen_12m"].rank())
    assert rho > 0.4
    assert (registry["registered_on"] <= str(govdata.OBSERVED_ON)).all()
    young = registry.index[registry["registered_on"] > "2023-01-01"]
    assert set(tax.reindex(young)["credit_grade"].dropna()) == {"M"}
    assert set(tax["credit_grade"]) == {"A", "B", "C", "D", "M"}


def _design(folder: Path, codes: list[str]) -> np.ndarray:
    """Plain numeric features of every owner for ``codes``, missing records as zeros."""
    parts = []
    for category in CATEGORIES:
        with OwnerStore(folder, category) as store:
            frame = pd.concat(store.features(codes, chunk=5_000)).reindex(codes)
        types = dict(OWNER_COLUMNS[category])
        out = pd.DataFrame({"present": frame.notna().all(axis=1).astype(float)}, index=codes)
        for column in store.columns:
            if types[column] == "INTEGER":
                out[column] = np.log1p(frame[column].astype(float).clip(lower=0)).fillna(0)
        if category == "tax":
            out = out.join(pd.get_dummies(frame["credit_grade"], dtype=float))
        parts.append(out)
    return np.asarray(pd.concat(parts, axis=1).fillna(0), dtype=float)


def test_the_hidden_default_process_is_learnable_from_the_owners_jointly(folder: Path) -> None:
    loans = read_loans(folder)
    x = StandardScaler().fit_transform(_design(folder, loans.index.to_list()))
    y = loans["defaulted"].to_numpy()
    cut = len(y) * 6 // 10
    model = LogisticRegression(max_iter=1_000).fit(x[:cut], y[:cut])
    assert roc_auc_score(y[cut:], model.predict_proba(x[cut:])[:, 1]) > 0.7


def test_features_by_code_keep_the_order_asked_and_skip_firms_without_a_record(
        folder: Path) -> None:
    registry = _registry(folder).index.to_list()
    with OwnerStore(folder, "customs") as store:
        assert store.count() == len(_all(folder, "customs"))
        traders = set(_all(folder, "customs").index)
        asked = [registry[i] for i in (50, 3, 9_999, 1, 17_000, 42)] + registry[100:400]
        frames = list(store.features(asked, chunk=100))
        assert len(frames) == 4
        got = pd.concat(frames)
        assert got.index.to_list() == [c for c in asked if c in traders]
        assert list(got.columns) == list(store.columns)
        arrays = next(store.arrays(chunk=10))
        assert set(arrays) == {"uscc", *store.columns} and len(arrays["uscc"]) == 10


def test_missing_or_damaged_stores_are_refused_clearly(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(StoreMissing, match="no such store"):
        OwnerStore(tmp_path, "tax")
    with pytest.raises(ValueError, match="unknown category"):
        OwnerStore(folder, "weather")
    (tmp_path / "tax.sqlite").write_bytes(b"not a database at all" * 10)
    with pytest.raises(StoreDamaged, match="not an SQLite database"):
        OwnerStore(tmp_path, "tax")
    data = (folder / "tax.sqlite").read_bytes()
    (tmp_path / "tax.sqlite").write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreDamaged, match="truncated"):
        OwnerStore(tmp_path, "tax")
    shutil.copy(folder / "tax.sqlite", tmp_path / "ip.sqlite")
    with pytest.raises(StoreDamaged, match="holds 'tax', not 'ip'"):
        OwnerStore(tmp_path, "ip")
    with pytest.raises(StoreMissing):
        read_loans(tmp_path)


def test_generation_refuses_impossible_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n must be"):
        generate(tmp_path, n=0)
    with pytest.raises(ValueError, match="chunk must be"):
        generate(tmp_path, n=10, chunk=0)


def test_an_interrupted_generation_leaves_no_store(tmp_path: Path) -> None:
    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(tmp_path, n=3_000, chunk=1_000, progress=interrupt)
    assert list(tmp_path.iterdir()) == []
