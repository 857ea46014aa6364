"""Credit from government data, the ledger's part: scorecard models, their stability and
an attestation of every computation (DESIGN §5).

A bank registers a model version: the digest of its file, the data categories it
uses with the features of each, how points scale (base score at base odds, points to
double the odds) and its band cut-offs. A registered model never changes; its bank may
retire it, after which nothing is computed with it. The bank reports the model's
population stability index (PSI) once per period.

Every computation leaves an attestation, signed by the organisation that computed: a
data owner's partial score or binning on its own category, or the bank's final score.
The ledger checks that the consent named lets the model's bank have that category
computed for ``credit_assessment`` now (``consent.queries.check_consent``), and keeps
the digests of the inputs and the result, never the data.

Transitions, as declared in ``CONTRACT`` (``by``: the party of the model who may call
it)::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | register_model | (none) | active | (by role) | (none) | bank |
    | retire_model | active | retired | bank | (none) | any |
    | report_psi | active or retired | (same) | bank | (none) | any |
    | attest | (none) | (none) | any member | (none) | any |

Besides the declaration: a model version is registered once; a period's PSI is reported
once; ``attest`` needs an active model, a live consent to the model's bank for the
category and ``credit_assessment``, and a signer holding the category's owner role
(``partial_score``, ``binning``) or being the consent's bank (``score``, whose category
is ``""``: the combination of every category the model uses, each of which the consent
must cover).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

import msgspec

from smechain.core.contract import Action, Context, Contract, Party, Subject, Transition
from smechain.core.encoding import shown
from smechain.core.errors import BadArguments, Conflict, NotFound, Unauthorised
from smechain.core.state import TxState
from smechain.modules.consent.contract import CATEGORIES, CATEGORY_ROLE, check_categories
from smechain.modules.consent.queries import check_consent

MODEL_PREFIX = "credit/model/"
PSI_PREFIX = "credit/psi/"
ATTESTATION_PREFIX = "credit/attestation/"
VERSION = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
FEATURE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PERIOD = re.compile(r"^[0-9]{4}Q[1-4]$")
PURPOSE = "credit_assessment"
"""The purpose a consent must have for its data to be scored."""
MAX_FEATURES = 64
MAX_BANDS = 20
MAX_INPUTS = 64
DIGEST_SIZE = 32
SCORE_CATEGORY = ""
"""The category of a ``score`` attestation: the combination of all the model's."""


class Status(StrEnum):
    """Lifecycle of a model version."""

    ACTIVE = "active"
    RETIRED = "retired"


class ModelKind(StrEnum):
    """What kind of model a version is."""

    SCORECARD = "scorecard"


class Computation(StrEnum):
    """What an attested computation was."""

    PARTIAL_SCORE = "partial_score"
    """A data owner's points on its own category's features."""
    SCORE = "score"
    """The bank's combination of the partial scores."""
    BINNING = "binning"
    """A data owner's per-bin sums for training (vertical WoE binning)."""


class CategoryUse(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A data category a model uses and the features it reads from it."""

    category: str
    features: list[str]


Positive = Annotated[int, msgspec.Meta(gt=0, le=1_000_000)]


class Model(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A registered model version; only its status and retirement time ever change."""

    version: str
    bank: str
    """The bank that registered it."""
    kind: ModelKind
    artefact_digest: bytes
    """SHA-256 of the model file."""
    categories: list[CategoryUse]
    base_score: int
    """Points at the base odds."""
    base_odds_good: int
    """The base odds, good to bad, as the integer ratio ``base_odds_good:base_odds_bad``."""
    base_odds_bad: int
    pdo: int
    """Points to double the odds."""
    band_cutoffs: list[int]
    """Ascending scores where each band after the first starts."""
    registered_at_ms: int
    retired_at_ms: int
    """0 while active."""
    status: Status


class PsiReport(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A model's population stability index over one period."""

    model_version: str
    period: str
    """``YYYYQn``."""
    psi_bp: int
    """PSI in basis points: PSI 0.1 is 1,000."""
    population: int
    """How many applicants were scored in the period."""
    reported_at_ms: int


class Attestation(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One computation on an SME's data under its consent: who, what, with which model."""

    id: str
    consent_id: str
    sme: str
    """The SME whose data it was (the consent's)."""
    bank: str
    """The bank it was for (the consent's and the model's)."""
    org: str
    """The organisation that computed and signed."""
    model_version: str
    category: str
    """The data category computed on; ``""`` for a ``score``."""
    kind: Computation
    input_digests: list[bytes]
    result_digest: bytes
    at_ms: int
    """The time of its block."""
    height: int


def model_key(version: str) -> str:
    """State key of a model version."""
    return MODEL_PREFIX + version


def psi_key(version: str, period: str) -> str:
    """State key of a model's PSI for a period."""
    return f"{PSI_PREFIX}{version}/{period}"


def attestation_key(consent_id: str, attestation_id: str) -> str:
    """State key of an attestation, under its consent's."""
    return f"{ATTESTATION_PREFIX}{consent_id}/{attestation_id}"


BANK: Party[Model] = Party("bank", lambda m: m.bank)
MODELS = Subject(
    "model", Model, model_key, "model_version", missing="no model {id!r}",
    wrong_status="model {id!r} is {status}; {action} needs {expected}", parties=(BANK,))


class RegisterModel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    model_version: str
    kind: ModelKind
    artefact_digest: bytes
    categories: list[CategoryUse]
    base_score: Positive
    base_odds_good: Positive
    base_odds_bad: Positive
    pdo: Positive
    band_cutoffs: list[int]


class ModelRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    model_version: str


class ReportPsi(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    model_version: str
    period: str
    psi_bp: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
    """Basis points: PSI 0.1 is 1,000."""
    population: Annotated[int, msgspec.Meta(gt=0, le=10_000_000_000)]


class Attest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    consent_id: str
    model_version: str
    category: str
    """The category computed on; ``""`` for ``score``."""
    input_digests: list[bytes]
    result_digest: bytes
    kind: Computation


def _check_digest(value: bytes, field: str) -> None:
    if len(value) != DIGEST_SIZE:
        raise BadArguments(field, f"a digest is {DIGEST_SIZE} bytes, not {len(value)}")


def _check_uses(uses: list[CategoryUse]) -> None:
    check_categories([u.category for u in uses], "categories")
    for i, use in enumerate(uses):
        where = f"categories[{i}].features"
        if not 1 <= len(use.features) <= MAX_FEATURES:
            raise BadArguments(where, f"give 1 to {MAX_FEATURES} features")
        for j, name in enumerate(use.features):
            if not FEATURE.match(name):
                raise BadArguments(f"{where}[{j}]", f"{shown(name)!r} must match "
                                   f"{FEATURE.pattern}")
            if name in use.features[:j]:
                raise BadArguments(f"{where}[{j}]", f"{name!r} is listed twice")


def register_model(state: TxState, ctx: Context, args: RegisterModel) -> None:
    """A bank registers a scorecard model version, which never changes after."""
    if not VERSION.match(args.model_version):
        raise BadArguments("model_version", f"{shown(args.model_version)!r} must match "
                           f"{VERSION.pattern}")
    _check_digest(args.artefact_digest, "artefact_digest")
    _check_uses(args.categories)
    cutoffs = args.band_cutoffs
    if not 1 <= len(cutoffs) <= MAX_BANDS:
        raise BadArguments("band_cutoffs", f"give 1 to {MAX_BANDS} cut-offs")
    for i in range(1, len(cutoffs)):
        if cutoffs[i] <= cutoffs[i - 1]:
            raise BadArguments(f"band_cutoffs[{i}]", f"{cutoffs[i]} is not above "
                               f"{cutoffs[i - 1]}; cut-offs ascend")
    if any(not 0 <= c <= 10_000 for c in cutoffs):
        raise BadArguments("band_cutoffs", "cut-offs are scores from 0 to 10,000")
    if state.get(model_key(args.model_version)) is not None:
        raise Conflict("model_version", f"model {args.model_version!r} is already "
                       "registered; a registered model never changes")
    state.put(model_key(args.model_version), Model(
        args.model_version, ctx.sender.org, args.kind, args.artefact_digest,
        list(args.categories), args.base_score, args.base_odds_good, args.base_odds_bad,
        args.pdo, list(cutoffs), ctx.timestamp_ms, 0, Status.ACTIVE))
    state.emit("ModelRegistered", model_version=args.model_version, bank=ctx.sender.org,
               artefact_digest=args.artefact_digest,
               categories=[u.category for u in args.categories])


def retire_model(state: TxState, ctx: Context, args: ModelRef, model: Model) -> None:
    """The registering bank retires a model version: nothing is computed with it after."""
    state.put(model_key(model.version),
              msgspec.structs.replace(model, retired_at_ms=ctx.timestamp_ms))
    state.emit("ModelRetired", model_version=model.version, bank=model.bank)


def report_psi(state: TxState, ctx: Context, args: ReportPsi, model: Model) -> None:
    """The model's bank records its population stability index for a period, once."""
    if not PERIOD.match(args.period):
        raise BadArguments("period", f"{shown(args.period)!r} is not a quarter like 2026Q1")
    key = psi_key(model.version, args.period)
    if state.get(key) is not None:
        raise Conflict("period", f"the PSI of {model.version!r} for {args.period} is "
                       "already reported")
    state.put(key, PsiReport(model.version, args.period, args.psi_bp, args.population,
                             ctx.timestamp_ms))
    state.emit("PsiReported", model_version=model.version, bank=model.bank,
               period=args.period, psi_bp=args.psi_bp, population=args.population)


def attest(state: TxState, ctx: Context, args: Attest) -> None:
    """Attest a computation on an SME's data under its consent.

    Signed by the organisation that computed: the consent, the model, the category,
    input and result digests."""
    if not 1 <= len(args.input_digests) <= MAX_INPUTS:
        raise BadArguments("input_digests", f"give 1 to {MAX_INPUTS} digests")
    for i, digest in enumerate(args.input_digests):
        _check_digest(digest, f"input_digests[{i}]")
    _check_digest(args.result_digest, "result_digest")
    model = state.get_as(model_key(args.model_version), Model)
    if model is None:
        raise NotFound("model_version", f"no model {shown(args.model_version)!r}")
    if model.status != Status.ACTIVE:
        raise Conflict("model_version", f"model {model.version!r} is retired")
    used = [u.category for u in model.categories]
    fields = {"bank": "consent_id", "purpose": "consent_id"}
    if args.kind == Computation.SCORE:
        if args.category != SCORE_CATEGORY:
            raise BadArguments("category", "a score combines every category of its model; "
                               "give \"\"")
        for category in used:
            consent = check_consent(state, args.consent_id, model.bank, category, PURPOSE,
                                    ctx.timestamp_ms, fields={**fields, "category": "consent_id"})
        if ctx.sender.org != consent.bank:
            raise Unauthorised("kind", f"a score is combined by the consent's bank "
                               f"{consent.bank!r}, not {ctx.sender.org!r}")
    else:
        if args.category not in CATEGORY_ROLE:
            raise BadArguments("category", f"{shown(args.category)!r} is not one of "
                               f"{', '.join(CATEGORIES)}")
        if args.category not in used:
            raise BadArguments("category", f"model {model.version!r} uses "
                               f"{', '.join(used)}, not {args.category!r}")
        consent = check_consent(state, args.consent_id, model.bank, args.category, PURPOSE,
                                ctx.timestamp_ms, fields=fields)
        owner = CATEGORY_ROLE[args.category]
        if owner not in ctx.sender.roles:
            raise Unauthorised("category", f"{ctx.sender.org!r} does not hold {owner}, the "
                               f"role that owns {args.category!r} data")
    attestation_id = ctx.tx_hash.hex()[:32]
    state.put(attestation_key(consent.id, attestation_id), Attestation(
        attestation_id, consent.id, consent.sme, consent.bank, ctx.sender.org, model.version,
        args.category, args.kind, list(args.input_digests), args.result_digest,
        ctx.timestamp_ms, ctx.height))
    state.emit("ComputationAttested", id=attestation_id, consent_id=consent.id,
               sme=consent.sme, bank=consent.bank, org=ctx.sender.org,
               model_version=model.version, category=args.category, kind=args.kind.value,
               result_digest=args.result_digest)


BANKS = frozenset({"bank"})

CONTRACT = Contract(
    "credit",
    {
        "register_model": Action(register_model, RegisterModel, roles=BANKS, to=Status.ACTIVE),
        "retire_model": Transition(retire_model, ModelRef, MODELS, {Status.ACTIVE},
                                   Status.RETIRED, by=BANK),
        "report_psi": Transition(report_psi, ReportPsi, MODELS,
                                 {Status.ACTIVE, Status.RETIRED}, by=BANK),
        "attest": Action(attest, Attest),
    },
)
