"""Loan products on the ledger: a bank publishes a product, revises it in new versions and
withdraws it (DESIGN §1, "banks publish products and the platform matches each SME to
the products it qualifies for").

A product is its terms (kind, currency, amount, term and rate ranges, repayment style)
and its eligibility rules over an SME's private score band and its attributes (region,
industry, years in business, revenue band, headcount, tax grade, collateral held).
Rules are typed records, never code: ``queries.match`` evaluates them, and so does the
off-ledger nightly batch (``batch``), column-wise.

Versions: ``publish`` writes version 1, ``revise`` version n+1; every version stays
readable under ``product/version/<id>/<n>`` and never changes, so a loan that cites a
product id and version keeps the terms it was made on. The head record
``product/<id>`` is the newest version with the product's status.

Terms are in months (``min_term_months``..``max_term_months``); amounts in the
currency's minor unit; rates in basis points a year.

Transitions, as declared in ``CONTRACT`` (``by``: the party of the product who may call
it)::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | publish | (none) | live | (by role) | (none) | bank |
    | revise | live | live | bank | (none) | any |
    | withdraw | live | withdrawn | bank | (none) | any |

Besides the declaration: a product id is ``<bank>.<name>``, the publishing bank's own
org id and a dot, and is published once; a revision keeps the product's kind and
currency; every range is ordered
(minimum at most maximum), amounts are positive and at most ``cash.MAX_AMOUNT``,
rates at most ``MAX_RATE_BP``, terms at most ``MAX_TERM_MONTHS``; codes are known
(regions, industries, revenue bands, tax grades, collateral kinds), listed once.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

import msgspec

from smechain.core.contract import Action, Context, Contract, Party, Subject, Transition
from smechain.core.encoding import shown
from smechain.core.errors import BadArguments, Conflict, Unauthorised
from smechain.core.state import TxState
from smechain.modules.cash.contract import MAX_AMOUNT, Amount
from smechain.modules.membership.contract import read_org

PRODUCT_PREFIX = "product/head/"
VERSION_PREFIX = "product/version/"
PRODUCT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_RATE_BP = 10_000
"""100 % a year: no product's rate is above it."""
MAX_TERM_MONTHS = 360
MAX_YEARS = 200
MAX_HEADCOUNT = 10_000_000
MAX_NAME = 120

# Integers with their real bounds: decoding the arguments checks them (the ledger), and
# the API states and checks the same bounds in OpenAPI (``api.schemas``).
Months = Annotated[int, msgspec.Meta(ge=1, le=MAX_TERM_MONTHS, description="months")]
RateBp = Annotated[int, msgspec.Meta(ge=0, le=MAX_RATE_BP,
                                     description="annual rate, basis points")]
Years = Annotated[int, msgspec.Meta(ge=0, le=MAX_YEARS, description="whole years")]
Headcount = Annotated[int, msgspec.Meta(ge=0, le=MAX_HEADCOUNT, description="employees")]

KINDS = ("working_capital", "receivable_financing", "ip_pledge", "export_record",
         "guarantee_backed")
"""What a product finances."""
REPAYMENTS = ("equal_instalments", "equal_principal", "interest_only_balloon")
"""How a loan of the product is repaid."""
BANDS = ("A", "B", "C", "D", "E")
"""Score bands, best first (``credit``'s scorecards grade A–E)."""
REGIONS = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35",
           "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
           "61", "62", "63", "64", "65", "71", "81", "82")
"""Province-level divisions, GB/T 2260 (first two digits of a division code)."""
INDUSTRIES = tuple("ABCDEFGHIJKLMNOPQRST")
"""GB/T 4754-2017 sections A–T."""
REVENUE_BANDS = ("lt1m", "1m_10m", "10m_50m", "50m_200m", "ge200m")
"""Annual revenue, CNY: under 1 million, 1–10 m, 10–50 m, 50–200 m, 200 m and above."""
REVENUE_BAND_FLOORS = (0, 100_000_000, 1_000_000_000, 5_000_000_000, 20_000_000_000)
"""The lowest annual revenue of each of ``REVENUE_BANDS``, in fen."""
TAX_GRADES = ("A", "B", "M", "C", "D")
"""Tax credit grades (``M``: newly registered, not yet graded)."""
COLLATERAL = ("receivables", "real_estate", "equipment", "inventory", "ip", "deposit",
              "export_orders")
"""Kinds of collateral an SME may hold."""


class Status(StrEnum):
    """Lifecycle of a product."""

    LIVE = "live"
    WITHDRAWN = "withdrawn"


class Eligibility(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who a product is for. An empty list accepts every value; 0 as a maximum is none."""

    min_band: str = "E"
    """The worst score band accepted (``E``: any band)."""
    regions: list[str] = msgspec.field(default_factory=list)
    """Province codes (``REGIONS``) where the SME must be registered."""
    industries: list[str] = msgspec.field(default_factory=list)
    """GB/T 4754 sections (``INDUSTRIES``) the SME must be in."""
    min_years: Years = 0
    """Fewest whole years in business."""
    revenue_bands: list[str] = msgspec.field(default_factory=list)
    """``REVENUE_BANDS`` accepted."""
    min_headcount: Headcount = 0
    max_headcount: Headcount = 0
    """Most employees; 0: no maximum."""
    tax_grades: list[str] = msgspec.field(default_factory=list)
    """``TAX_GRADES`` accepted."""
    collateral: list[str] = msgspec.field(default_factory=list)
    """The SME must hold at least one of these ``COLLATERAL`` kinds."""


class Terms(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A product's terms and rules: what ``publish`` and ``revise`` take."""

    name: str
    institution: str
    """The lending institution the product is offered by (the bank, or one it acts for)."""
    kind: str
    currency: str
    min_amount: Amount
    """Minor units."""
    max_amount: Amount
    min_term_months: Months
    max_term_months: Months
    min_rate_bp: RateBp
    """Basis points a year."""
    max_rate_bp: RateBp
    repayment: str
    eligibility: Eligibility


class Product(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One version of a product; the head record is its newest version."""

    id: str
    version: int
    bank: str
    """The organisation that published it and alone revises or withdraws it."""
    terms: Terms
    published_at_ms: int
    """The time of the block that wrote this version."""
    withdrawn_at_ms: int
    """0 while live."""
    status: Status


def product_key(product_id: str) -> str:
    """State key of a product's head (its newest version)."""
    return PRODUCT_PREFIX + product_id


def version_key(product_id: str, version: int) -> str:
    """State key of one version of a product."""
    return f"{VERSION_PREFIX}{product_id}/{version:08d}"


BANK: Party[Product] = Party("bank", lambda p: p.bank)
PRODUCTS = Subject(
    "product", Product, product_key, "id", missing="no product {id!r}",
    wrong_status="product {id!r} is {status}; {action} needs {expected}", parties=(BANK,))


class Publish(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    """``<bank>.<name>``: the publishing bank's org id, a dot and its code for the product;
    unique on the ledger."""
    terms: Terms


class Revise(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    terms: Terms


class ProductRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str


def _one_of(value: str, known: tuple[str, ...], field: str) -> None:
    if value not in known:
        raise BadArguments(field, f"{shown(value)!r} is not one of {', '.join(known)}")


def _codes(values: list[str], known: tuple[str, ...], field: str) -> None:
    for i, value in enumerate(values):
        _one_of(value, known, f"{field}[{i}]")
        if value in values[:i]:
            raise BadArguments(f"{field}[{i}]", f"{value!r} is listed twice")


def _range(low: int, high: int, ceiling: int, floor: int, field: str) -> None:
    """``min_<field>`` and ``max_<field>`` between ``floor`` and ``ceiling``, ordered."""
    for name, value in ((f"min_{field}", low), (f"max_{field}", high)):
        if not floor <= value <= ceiling:
            raise BadArguments(name, f"{value} is not between {floor} and {ceiling:,}")
    if low > high:
        raise BadArguments(f"min_{field}", f"{low} is above max_{field} {high}")


def check_eligibility(rules: Eligibility, field: str = "terms.eligibility") -> None:
    """``BadArguments`` naming the rule (``terms.eligibility.regions[1]``) unless every code
    is known and listed once and every bound is in range and ordered."""
    _one_of(rules.min_band, BANDS, f"{field}.min_band")
    _codes(rules.regions, REGIONS, f"{field}.regions")
    _codes(rules.industries, INDUSTRIES, f"{field}.industries")
    _codes(rules.revenue_bands, REVENUE_BANDS, f"{field}.revenue_bands")
    _codes(rules.tax_grades, TAX_GRADES, f"{field}.tax_grades")
    _codes(rules.collateral, COLLATERAL, f"{field}.collateral")
    if not 0 <= rules.min_years <= MAX_YEARS:
        raise BadArguments(f"{field}.min_years", f"{rules.min_years} is not between 0 and "
                           f"{MAX_YEARS}")
    for name, value in (("min_headcount", rules.min_headcount),
                        ("max_headcount", rules.max_headcount)):
        if not 0 <= value <= MAX_HEADCOUNT:
            raise BadArguments(f"{field}.{name}", f"{value} is not between 0 and "
                               f"{MAX_HEADCOUNT:,}")
    if rules.max_headcount and rules.min_headcount > rules.max_headcount:
        raise BadArguments(f"{field}.min_headcount", f"{rules.min_headcount} is above "
                           f"max_headcount {rules.max_headcount}")


def check_terms(terms: Terms, field: str = "terms") -> None:
    """``BadArguments`` naming the field (``terms.max_rate_bp``) unless ``terms`` are whole:
    a name, known kind, currency and repayment, ordered ranges within bounds, valid
    rules."""
    if not terms.name.strip() or len(terms.name) > MAX_NAME:
        raise BadArguments(f"{field}.name", f"give a name of 1 to {MAX_NAME} characters")
    if not terms.institution.strip() or len(terms.institution) > MAX_NAME:
        raise BadArguments(f"{field}.institution", f"give 1 to {MAX_NAME} characters")
    _one_of(terms.kind, KINDS, f"{field}.kind")
    if not CURRENCY.match(terms.currency):
        raise BadArguments(f"{field}.currency", f"{shown(terms.currency)!r} is not an ISO "
                           "4217 code like CNY")
    _one_of(terms.repayment, REPAYMENTS, f"{field}.repayment")
    try:
        _range(terms.min_amount, terms.max_amount, MAX_AMOUNT, 1, "amount")
        _range(terms.min_term_months, terms.max_term_months, MAX_TERM_MONTHS, 1,
               "term_months")
        _range(terms.min_rate_bp, terms.max_rate_bp, MAX_RATE_BP, 0, "rate_bp")
    except BadArguments as exc:
        raise BadArguments(f"{field}.{exc.field}", exc.message) from None
    check_eligibility(terms.eligibility, f"{field}.eligibility")


def _write(state: TxState, product: Product) -> None:
    state.put(product_key(product.id), product)
    state.put(version_key(product.id, product.version), product)


def check_prefix(state: TxState, product_id: str, bank: str) -> None:
    """``product_id`` is ``<bank>.<name>``: ``Unauthorised`` naming ``id`` when it lies in
    another organisation's prefix (org ids may hold dots: ``bank-a`` may not take
    ``bank-a.sh.x`` when ``bank-a.sh`` is a member), ``BadArguments`` when it has no
    prefix or no name."""
    own = bank + "."
    if product_id.startswith(own) and len(product_id) > len(own):
        for i in range(len(own), len(product_id)):
            if product_id[i] == "." and read_org(state, product_id[:i]) is not None:
                raise Unauthorised("id", f"{shown(product_id)!r} is in "
                                   f"{product_id[:i]!r}'s prefix, not {bank!r}'s")
        return
    if "." in product_id.strip("."):
        raise Unauthorised("id", f"{shown(product_id)!r} is not in {bank!r}'s prefix; a bank "
                           f"publishes only ids {own}<name>")
    raise BadArguments("id", f"{shown(product_id)!r} has no bank prefix; give {own}<name>")


def publish(state: TxState, ctx: Context, args: Publish) -> None:
    """A bank publishes a product: version 1, live."""
    if not PRODUCT_ID.match(args.id):
        raise BadArguments("id", f"{shown(args.id)!r} must match {PRODUCT_ID.pattern}")
    check_prefix(state, args.id, ctx.sender.org)
    check_terms(args.terms)
    if state.get(product_key(args.id)) is not None:
        raise Conflict("id", f"product {args.id!r} is already published; revise it")
    _write(state, Product(args.id, 1, ctx.sender.org, args.terms, ctx.timestamp_ms, 0,
                          Status.LIVE))
    state.emit("ProductPublished", id=args.id, version=1, bank=ctx.sender.org,
               kind=args.terms.kind)


def revise(state: TxState, ctx: Context, args: Revise, product: Product) -> None:
    """The bank publishes a new version; earlier versions stay as they were.

    A version may change the terms and rules, never what the product is: its kind and
    currency stay (a loan's basis and currency agree across versions)."""
    check_terms(args.terms)
    for name in ("kind", "currency"):
        was, now = getattr(product.terms, name), getattr(args.terms, name)
        if now != was:
            raise BadArguments(f"terms.{name}", f"{shown(now)!r}: a revision keeps the "
                               f"product's {name} {was!r}; publish a new product instead")
    version = product.version + 1
    _write(state, msgspec.structs.replace(product, version=version, terms=args.terms,
                                          published_at_ms=ctx.timestamp_ms))
    state.emit("ProductRevised", id=product.id, version=version, bank=product.bank)


def withdraw(state: TxState, ctx: Context, args: ProductRef, product: Product) -> None:
    """The bank withdraws the product: it matches no SME from this block on."""
    withdrawn = msgspec.structs.replace(product, withdrawn_at_ms=ctx.timestamp_ms,
                                        status=Status.WITHDRAWN)
    _write(state, withdrawn)
    state.emit("ProductWithdrawn", id=product.id, version=product.version, bank=product.bank)


BANKS = frozenset({"bank"})

CONTRACT = Contract(
    "product",
    {
        "publish": Action(publish, Publish, roles=BANKS, to=Status.LIVE),
        "revise": Transition(revise, Revise, PRODUCTS, {Status.LIVE}, Status.LIVE, by=BANK),
        "withdraw": Transition(withdraw, ProductRef, PRODUCTS, {Status.LIVE},
                               Status.WITHDRAWN, by=BANK),
    },
)
