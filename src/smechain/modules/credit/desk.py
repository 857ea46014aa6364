"""Scoring an SME under its consent: the data owners compute, the bank learns the score.

Off-ledger machinery (DESIGN §5). A bank asks for an SME's score with a
registered model under a consent the SME granted it. Then:

1. the model's artefact is the one registered: its SHA-256 must equal the
   ledger's ``artefact_digest``, or nothing is computed (:class:`DeskError`);
2. each data owner the model uses checks the consent on the ledger for its own
   category (``consent.queries.check_consent``: live, this bank, this
   category, ``credit_assessment``) and refuses without it;
3. each owner reads only its own store, derives the model's features of its
   category (:func:`owner_features`) and computes its partial points and its
   per-feature point losses;
4. the partials and losses go through the privacy protocol
   (``smechain.privacy.scoring``, two aggregators, additive shares mod 2^64):
   the bank learns the total and up to four reason codes, nothing else;
5. every computation leaves an attestation (:class:`Attestation`): each owner's
   ``partial_score`` with the digest of the record it read and a salted digest
   of its result, and the bank's ``score`` over the owners' result digests
   with a salted digest of the report. The salts stay with whoever computed,
   so a digest of a small number cannot be reversed by trying every value;
   the SME's copy of the report carries the bank's salt
   (:meth:`CreditReport.check`).

The owners' stores are those of ``govdata`` (one SQLite file per category);
the scorecard is ``scorecard.ScorecardModel``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from smechain.core.encoding import shown
from smechain.core.state import StateReader
from smechain.modules.consent.queries import ConsentRefused, check_consent
from smechain.modules.credit import govdata
from smechain.modules.credit.contract import (
    PURPOSE,
    SCORE_CATEGORY,
    Computation,
    Model,
    Status,
)
from smechain.modules.credit.queries import read_model
from smechain.modules.credit.scorecard import Reason, ScorecardModel
from smechain.modules.invoice.queries import registered_uscc
from smechain.privacy import scoring

IntArray = npt.NDArray[np.int64]

__all__ = ["ConsentRefused", "CreditReport", "DataOwner", "DeskError", "ReportBook", "score"]

BANK_OWNER = "bank"
"""The owner name of a model's features that are the bank's own application data."""

GOVDATA_FEATURES: dict[str, tuple[str, ...]] = {
    "tax": ("invoices_issued_fen_12m", "vat_paid_fen_12m", "credit_grade", "arrears_fen"),
    "market_regulation": ("age_months", "registered_capital_fen", "penalties",
                          "abnormal_operation"),
    "social_insurance": ("headcount_insured", "arrears_months"),
    "customs": ("export_fen_12m",),
    "ip": ("patents",),
    "courts": ("enforcement_cases", "dishonest_debtor"),
    "utilities": ("late_payments_12m", "usage_trend_bp"),
}
"""The features a government-data scorecard reads from each owner's records."""

GOVDATA_CATEGORICAL = frozenset({"credit_grade"})
MIN_LOANS = 1_000
"""Fewest past loans a government-data card is trained on (a twentieth of them defaulted)."""

GOVDATA_REASONS: dict[str, Reason] = {
    "invoices_issued_fen_12m": Reason("T01", "近12个月开票金额偏低",
                                      "Low invoiced sales in the last 12 months"),
    "vat_paid_fen_12m": Reason("T02", "近12个月增值税缴纳偏低",
                               "Low VAT paid in the last 12 months"),
    "credit_grade": Reason("T03", "纳税信用等级偏低", "Low tax credit grade"),
    "arrears_fen": Reason("T04", "存在欠税", "Tax arrears outstanding"),
    "age_months": Reason("M01", "企业成立时间较短", "Business established recently"),
    "registered_capital_fen": Reason("M02", "注册资本偏低", "Low registered capital"),
    "penalties": Reason("M03", "存在行政处罚记录", "Administrative penalties on record"),
    "abnormal_operation": Reason("M04", "被列入经营异常名录",
                                 "Listed for abnormal operation"),
    "headcount_insured": Reason("S01", "参保人数偏少", "Few employees insured"),
    "arrears_months": Reason("S02", "社保费欠缴", "Social insurance contributions in arrears"),
    "export_fen_12m": Reason("C01", "近12个月出口额偏低", "Low exports in the last 12 months"),
    "patents": Reason("I01", "专利数量偏少", "Few patents"),
    "enforcement_cases": Reason("J01", "存在被执行案件", "Enforcement cases against the firm"),
    "dishonest_debtor": Reason("J02", "被列为失信被执行人", "Listed as a dishonest debtor"),
    "late_payments_12m": Reason("U01", "近12个月电费逾期", "Late electricity payments"),
    "usage_trend_bp": Reason("U02", "用电量下降", "Falling electricity use"),
}


class DeskError(ValueError):
    """A score request that cannot be computed: ``field`` names what is wrong, ``code``
    and ``status`` are the API's (``not_found`` 404, ``conflict`` 409, ``bad_args``
    422, ``forbidden`` 403, ``unavailable`` 503)."""

    def __init__(self, field: str, reason: str, status: int = 422,
                 code: str = "bad_args") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status
        self.code = code


def owner_features(category: str, records: pd.DataFrame) -> pd.DataFrame:
    """The model features of ``category`` from that owner's raw records (``govdata``
    columns, indexed by USCC): what the owner computes on its own data. A firm the
    owner holds no record of has missing values (the scorecard's missing bin)."""
    frame = records.copy()
    if category == "market_regulation" and "registered_on" in frame:
        registered = pd.to_datetime(frame["registered_on"], errors="coerce")
        observed = pd.Timestamp(str(govdata.OBSERVED_ON))
        frame["age_months"] = (observed.year - registered.dt.year) * 12 + (
            observed.month - registered.dt.month)
    return frame[list(GOVDATA_FEATURES[category])]


def owner_chunk(card: ScorecardModel, owner: str, features: pd.DataFrame,
                row_start: int = 0) -> scoring.OwnerChunk:
    """What ``owner`` computes on its own rows for the privacy protocol: its partial
    points per row, each of its features' point loss against that feature's best bin,
    and the features' reason positions (``card.reason_order``, owners in card order, so
    the protocol breaks ties as ``card.reason_codes`` does). ``features`` holds the
    model features of ``owner``'s category for the rows."""
    mine = [f for f in card.features if f.owner == owner]
    points = np.stack([np.asarray(f.points, np.int64)[f.bin_index(features[f.name])]
                       for f in mine], axis=1)
    best = np.array([max(f.points) for f in mine], dtype=np.int64)
    return scoring.OwnerChunk(row_start, points.sum(axis=1, dtype=np.int64), best - points,
                              reason_positions(card, owner))


def reason_positions(card: ScorecardModel, owner: str) -> IntArray:
    """The reason position (in ``card.reason_order()``) of each of ``owner``'s features."""
    position = {card.features[i].name: n for n, i in enumerate(card.reason_order())}
    return np.array([position[f.name] for f in card.features if f.owner == owner],
                    dtype=np.int64)


def _digest(*parts: bytes) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(4, "big"))
        h.update(p)
    return h.digest()


def record_digest(category: str, uscc: str, records: pd.DataFrame) -> bytes:
    """SHA-256 of the owner's record of one firm, canonical JSON (the attested input)."""
    row = records.loc[uscc].to_dict() if uscc in records.index else {}
    clean = {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
             for k, v in row.items()}
    text = json.dumps({"category": category, "uscc": uscc, "record": clean},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).digest()


@dataclass(frozen=True, slots=True)
class Attestation:
    """What one party computed, for the ledger's ``credit.attest``: signed by ``org``."""

    org: str
    category: str
    """The owner's category, or ``""`` for the bank's ``score``."""
    kind: Computation
    input_digests: tuple[bytes, ...]
    result_digest: bytes

    def args(self, consent_id: str, model_version: str) -> dict[str, Any]:
        """The ``attest`` action's arguments."""
        return {"consent_id": consent_id, "model_version": model_version,
                "category": self.category, "input_digests": list(self.input_digests),
                "result_digest": self.result_digest, "kind": self.kind.value}


@dataclass(frozen=True, slots=True)
class ReasonOut:
    """One reason code given to the bank and the SME (no points: those stay private)."""

    code: str
    feature: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class CreditReport:
    """The outcome of one score request: what the bank and the SME see."""

    sme: str
    uscc: str
    bank: str
    consent_id: str
    model_version: str
    score: int
    band: str
    reasons: tuple[ReasonOut, ...]
    categories: tuple[str, ...]
    """The data categories computed on."""
    computed_at_ms: int
    salt: bytes
    """The bank's salt of ``result_digest`` (given to the SME so it can check the ledger)."""
    result_digest: bytes
    attestations: tuple[Attestation, ...] = field(default=())

    def content(self) -> bytes:
        """Canonical JSON of what the report says (the digest's input, with the salt)."""
        return json.dumps({
            "sme": self.sme, "uscc": self.uscc, "bank": self.bank,
            "consent_id": self.consent_id, "model_version": self.model_version,
            "score": self.score, "band": self.band,
            "reasons": [r.code for r in self.reasons], "categories": list(self.categories),
            "computed_at_ms": self.computed_at_ms}, sort_keys=True,
            separators=(",", ":")).encode()

    def check(self) -> bool:
        """Whether ``result_digest`` is the salted digest of this report's content."""
        return _digest(self.salt, self.content()) == self.result_digest

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (digests and salt in hex)."""
        return {
            "sme": self.sme, "uscc": self.uscc, "bank": self.bank,
            "consent_id": self.consent_id, "model_version": self.model_version,
            "score": self.score, "band": self.band,
            "reasons": [{"code": r.code, "feature": r.feature, "zh": r.zh, "en": r.en}
                        for r in self.reasons],
            "categories": list(self.categories), "computed_at_ms": self.computed_at_ms,
            "salt": self.salt.hex(), "result_digest": self.result_digest.hex(),
            "attestations": [{"org": a.org, "category": a.category, "kind": a.kind.value,
                              "result_digest": a.result_digest.hex()}
                             for a in self.attestations],
        }


@dataclass(frozen=True, slots=True)
class DataOwner:
    """A data-owning organisation at this peer: its org id and its own store's folder."""

    org: str
    category: str
    folder: Path

    def records(self, uscc: str) -> pd.DataFrame:
        """This owner's record of one firm (no row when it holds none)."""
        with govdata.OwnerStore(self.folder, self.category) as store:
            frames = list(store.features([uscc]))
        return frames[0] if frames else pd.DataFrame(columns=list(store.columns))


def registered_model(state: StateReader, version: str, bank: str) -> Model:
    """The ledger's record of model ``version``, active and the bank's own."""
    model = read_model(state, version)
    if model is None:
        raise DeskError("model_version", f"no model {version!r} is registered", 404,
                        "not_found")
    if model.status != Status.ACTIVE:
        raise DeskError("model_version", f"model {version!r} is retired", 409, "conflict")
    if model.bank != bank:
        raise DeskError("model_version", f"model {version!r} belongs to {model.bank}, "
                        f"not to {bank}", 403, "forbidden")
    return model


def sme_uscc(state: StateReader, sme: str) -> str:
    """The unified social credit code registered to ``sme`` (the invoice module's
    identifier registry): how the data owners find its records."""
    uscc = registered_uscc(state, sme)
    if uscc is not None:
        return uscc
    raise DeskError("sme", f"{shown(sme)} has no unified social credit code registered "
                    "(invoice register_party), so no data owner can find its records")


def load_artefact(folder: Path, model: Model) -> ScorecardModel:
    """The scorecard file of a registered model, checked against the ledger's digest."""
    path = Path(folder) / f"{model.version}.json"
    if not path.is_file():
        raise DeskError("model_version", f"this peer holds no artefact of {model.version!r} "
                        f"({path.name} in {folder})", 503, "unavailable")
    try:
        return ScorecardModel.load(path, model.artefact_digest.hex())
    except ValueError as exc:
        raise DeskError("model_version", f"artefact of {model.version!r}: {exc}") from None


def score(state: StateReader, now_ms: int, *, bank: str, consent_id: str,
          model_version: str, sme: str, models: Path,
          owners: Mapping[str, DataOwner]) -> CreditReport:
    """Score ``sme`` for ``bank`` under ``consent_id`` with the registered
    ``model_version``; the report with every party's :class:`Attestation`.

    ``models`` is the folder of model artefacts (``<version>.json``); ``owners`` maps
    each category to the data owner holding it. Raises :class:`DeskError` (no such,
    retired or another bank's model; its artefact missing here or not the registered
    one; an SME with no USCC registered; no owner of a category at this peer) and the
    consent's refusals (``ConsentRefused``: none, revoked, expired, granted by another
    SME — naming ``sme`` —, to another bank, without a category the model uses, for
    another purpose — naming ``consent_id``).
    """
    model = registered_model(state, model_version, bank)
    card = load_artefact(models, model)
    if BANK_OWNER in card.owners:
        raise DeskError("model_version", f"model {model_version!r} needs the bank's own "
                        "application data; score it with the bank's loan application")
    fields = {"bank": "consent_id", "category": "consent_id", "purpose": "consent_id"}
    for category in card.owners:  # every owner checks the consent before anything else
        check_consent(state, consent_id, bank, category, PURPOSE, now_ms, sme=sme,
                      fields=fields)
        if category not in owners:
            raise DeskError("model_version", f"no data owner of {category!r} at this peer",
                            503, "unavailable")
    uscc = sme_uscc(state, sme)
    order = card.reason_order()
    chunks: list[scoring.OwnerChunk] = []
    attestations: list[Attestation] = []
    for category in card.owners:
        owner = owners[category]
        raw = owner.records(uscc)
        chunk = owner_chunk(card, category, owner_features(category, raw).reindex([uscc]))
        chunks.append(chunk)
        partial = chunk.partials
        salt = os.urandom(16)
        attestations.append(Attestation(
            owner.org, category, Computation.PARTIAL_SCORE,
            (record_digest(category, uscc, raw),),
            _digest(salt, model_version.encode(), consent_id.encode(), partial.tobytes())))
    roles = scoring.Roles(tuple(card.owners))
    (scored,) = scoring.private_score_chunks([chunks], roles)
    total = int(scored.totals[0]) + card.base_points
    picked = [int(c) for c in (scored.codes[0] if scored.codes is not None else []) if c >= 0]
    reasons = tuple(ReasonOut(f.reason.code, f.name, f.reason.zh, f.reason.en)
                    for f in (card.features[order[c]] for c in picked))
    salt = os.urandom(16)
    draft = CreditReport(sme, uscc, bank, consent_id, model_version, total,
                         card.band([total])[0], reasons, tuple(card.owners), now_ms, salt, b"")
    digest = _digest(salt, draft.content())
    bank_attestation = Attestation(bank, SCORE_CATEGORY, Computation.SCORE,
                                   tuple(a.result_digest for a in attestations), digest)
    return CreditReport(sme, uscc, bank, consent_id, model_version, total, draft.band,
                        reasons, tuple(card.owners), now_ms, salt, digest,
                        (*attestations, bank_attestation))


def joined_features(folder: Path, usccs: list[str],
                    categories: Sequence[str] = tuple(GOVDATA_FEATURES)) -> pd.DataFrame:
    """The owners' (``categories``) model features of ``usccs``, side by side: a plain
    join, for training and for checking the private protocol against plain scoring."""
    parts = []
    for category in categories:
        with govdata.OwnerStore(folder, category) as store:
            found = pd.concat(list(store.features(usccs)) or
                              [pd.DataFrame(columns=list(store.columns))])
        parts.append(owner_features(category, found.reindex(usccs)))
    return pd.concat(parts, axis=1)


def train_govdata(folder: Path, version: str, *, name: str = "govdata",
                  categories: Sequence[str] = tuple(GOVDATA_FEATURES)) -> ScorecardModel:
    """A scorecard on the owners' data for the bank's past loans (``govdata`` stores in
    ``folder``), trained on loans paid out before the last quarter of disbursements
    and measured on that quarter.

    Training here joins the owners' features for the bank's borrowers in one place:
    it is for the demo and the benchmark's synthetic data. The vertical binning of
    ``smechain.privacy.binning`` computes the same bins without moving any record
    (docs/privacy.md).
    """
    from smechain.modules.credit.scorecard import train

    unknown = set(categories) - set(GOVDATA_FEATURES)
    if unknown or not categories:
        raise ValueError(f"categories: {sorted(unknown)} are not owners' categories")
    loans = govdata.read_loans(folder)
    defaults = int(loans["defaulted"].sum())
    if len(loans) < MIN_LOANS or defaults < MIN_LOANS // 20 or defaults == len(loans):
        raise ValueError(f"the bank's {len(loans)} past loans ({defaults} defaulted) are too "
                         f"few to train on: at least {MIN_LOANS}, of which "
                         f"{MIN_LOANS // 20} defaulted and some repaid (generate about "
                         "6,000 firms or more)")
    frame = joined_features(folder, list(loans.index), categories)
    frame["default"] = loans["defaulted"].to_numpy()
    cut = sorted(loans["disbursed_on"])[int(len(loans) * 0.8)]
    test_rows = (loans["disbursed_on"] >= cut).to_numpy()
    owners = {f: category for category in categories for f in GOVDATA_FEATURES[category]}
    trained = train(frame[~test_rows], "default", owners, GOVDATA_REASONS, name=name,
                    version=version, categorical=GOVDATA_CATEGORICAL,
                    test=frame[test_rows],
                    training={"data": f"govdata stores in {Path(folder).name}",
                              "window": f"loans disbursed before {cut}",
                              "test_window": f"loans disbursed from {cut}"},
                    min_bin_size=0.05, max_n_bins=5)
    return trained.model


class ReportBook:
    """The credit reports computed at this peer (``reports.sqlite`` in ``folder``): the
    bank that asked and the SME scored read them; nothing of them is on the ledger but
    their attested digests."""

    def __init__(self, folder: Path) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(Path(folder) / "reports.sqlite", check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS reports (id TEXT PRIMARY KEY, "
                             "bank TEXT NOT NULL, sme TEXT NOT NULL, at_ms INTEGER NOT NULL, "
                             "doc TEXT NOT NULL)")

    def put(self, report: CreditReport, tx_hashes: Sequence[str]) -> dict[str, Any]:
        """Keep ``report`` with the hashes of its attestations; the stored document."""
        doc = {"id": report.result_digest.hex()[:32], **report.to_dict(),
               "attestation_txs": list(tx_hashes),
               "score_attestation_id": tx_hashes[-1][:32] if tx_hashes else ""}
        with self._lock, self._db:
            self._db.execute("INSERT INTO reports VALUES (?, ?, ?, ?, ?)",
                             (doc["id"], report.bank, report.sme, report.computed_at_ms,
                              json.dumps(doc, ensure_ascii=False)))
        return doc

    def get(self, report_id: str) -> dict[str, Any] | None:
        """One report, or ``None``."""
        with self._lock:
            row = self._db.execute("SELECT doc FROM reports WHERE id = ?",
                                   (report_id,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def of(self, org: str | None, offset: int = 0, limit: int = 50
           ) -> tuple[list[dict[str, Any]], int]:
        """Reports where ``org`` is the bank or the SME (every report for ``None``), newest
        first; ``(page, total)``."""
        where, args = ("", ()) if org is None else ("WHERE bank = ? OR sme = ?", (org, org))
        with self._lock:
            total = self._db.execute(f"SELECT count(*) FROM reports {where}", args).fetchone()
            rows = self._db.execute(f"SELECT doc FROM reports {where} ORDER BY at_ms DESC, id "
                                    "LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
        return [json.loads(r[0]) for r in rows], int(total[0])

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()
