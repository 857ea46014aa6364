"""Customs declarations: the customs office's record of what an exporter declared, at what
value, and whether it still stands (DESIGN §1 "Cross-border trade finance", §5a "Trade
finance").

Customs registers each export or import declaration it accepted (WCO Data Model DEC,
imported from a DEC-DMS file by ``wco.py``), amends it when the declarant's amendment is
accepted and cancels (invalidates) it on request. Export finance lends against a
declaration's ``value`` while it is ``registered``: a cancelled declaration, or an
amendment that lowers the value (``amended_at_ms``, ``amendments``), is visible here.

The declaration's ledger id is its **MRN** (movement reference number, WCO
``Declaration/ID``), which customs assigns on acceptance; amendments and cancellations
name it. ``lrn`` is the declarant's own reference (WCO ``FunctionalReferenceID``, UCC
DE 2/5), unique per declarant: the same declaration cannot be registered twice under
two MRNs, nor the same file twice (``digest``).

Transitions, as declared in ``CONTRACT``::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | register | (none) | registered | (by role) | (none) | customs |
    | amend | registered | (same) | customs office | (none) | customs |
    | cancel | registered | cancelled | customs office | (none) | customs |

Besides the declaration:

- ``register``: an export declaration (type ``EX*``, or ``CO*`` under an export
  procedure) names the ledger organisation of its exporter (``exporter_org``), an
  import declaration that of its importer (``importer_org``): an active member holding
  the role ``sme`` or ``core_enterprise``. Refusals: a taken MRN (409 ``id``), LRN of
  the declarant (409 ``lrn``) or file (409 ``digest``).
- ``value`` (``declared_value``): the invoice amount (DE 4/11) when declared; else the
  sum of the goods items' prices (DE 4/14), when every item has one in one currency;
  else the sum of their statistical values (DE 8/6), likewise; else 0 (``value_basis``
  ``none``: nothing declared to lend against). Minor units of ``currency``.
- ``amend``: only by the customs office that registered it. An amendment carries what
  changed (WCO additional message ``COR``): a new invoice amount, and goods items by
  sequence number, each replacing the fields it gives of the item with that number or
  adding a new item. The value is worked out again from the result and may go down or
  up; ``goods_item_quantity`` (DE 1/9), when given, must be the resulting item count.
  Each amendment is kept in ``amendments`` with the value before and after.
- ``cancel``: only by the customs office that registered it; the declaration backs
  nothing afterwards. A second cancellation is refused (409 ``id``).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

import msgspec

from smechain.core.contract import Action, Context, Contract, Party, Subject, Transition
from smechain.core.daycount import day_number
from smechain.core.encoding import decode, shown
from smechain.core.errors import BadArguments, Conflict, NotFound
from smechain.core.state import StateReader, TxState
from smechain.modules.cash.contract import CURRENCY, MAX_AMOUNT
from smechain.modules.invoice.contract import escape
from smechain.modules.membership.contract import OrgStatus, read_org

DECLARATION_PREFIX = "customs/declaration/"
DIGEST_PREFIX = "customs/digest/"
LRN_PREFIX = "customs/lrn/"

CUSTOMS = frozenset({"customs"})
TRADERS = frozenset({"sme", "core_enterprise"})
"""Roles an exporter or importer organisation holds."""
MAX_ITEMS = 999
"""Goods items a declaration may hold (UCC DE 1/9 on the CDS)."""
MAX_TEXT = 512

MRN = re.compile(r"^[0-9A-Z]{1,35}$")
"""A customs-assigned declaration number: upper-case letters and digits (an EU/UK MRN is
18 of them, a China customs declaration number 18 digits)."""
TYPE_CODE = re.compile(r"^(EX|IM|CO)[ABCDEFJKXYZ]$")
"""DE 1/1 (EX export, IM import, CO special fiscal territories) + DE 1/2 (A standard,
B/C simplified, D/E/F pre-lodged, X/Y supplementary, Z entry in the declarant's records;
J/K the CDS's arrived-goods declarations)."""
PARTY = re.compile(r"^EORI:[A-Z]{2}[0-9A-Z]{1,15}$")
"""A trader identifier as the ledger keeps it: ``EORI:`` and the EORI number (ISO 3166
country code and up to 15 characters, Regulation (EU) No 952/2013 art. 9)."""
COMMODITY = re.compile(r"^[0-9]{4,10}$")
"""HS heading to TARIC code: 4 to 10 digits (DE 6/14 + 6/15)."""
PROCEDURE = re.compile(r"^[0-9]{4}$")
"""DE 1/10: requested + previous procedure, two digits each (``1040``)."""
MASS = re.compile(r"^[0-9]{1,16}(\.[0-9]{1,6})?$")
"""DE 6/1 net mass, kilograms, exact decimal text (n..16,6)."""
REASON_CODE = re.compile(r"^[0-9A-Z]{1,3}$")
EXPORT_PROCEDURES = frozenset({"10", "11", "21", "22", "23", "31"})
"""Requested procedures (first two digits of DE 1/10) that take goods out: export,
outward processing, temporary export, re-export (UCC Delegated Regulation 2015/2446
Annex B, DE 1/10)."""


class Status(StrEnum):
    """Lifecycle of a registered declaration."""

    REGISTERED = "registered"
    CANCELLED = "cancelled"


class ValueBasis(StrEnum):
    """Which declared figure a declaration's ``value`` is."""

    INVOICE = "invoice"
    """DE 4/11 total amount invoiced."""
    ITEM_PRICE = "item_price"
    """The sum of the items' prices, DE 4/14."""
    STATISTICAL = "statistical"
    """The sum of the items' statistical values, DE 8/6."""
    NONE = "none"
    """No value declared (e.g. a simplified declaration): it backs nothing."""


class GoodsItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One goods item (WCO ``GovernmentAgencyGoodsItem``). In an amendment, an empty field
    or ``None`` leaves the registered item's field as it was."""

    sequence: int
    """DE 1/6, from 1."""
    commodity_code: str = ""
    """DE 6/14 (+ 6/15): 4 to 10 digits; ``""``: not declared."""
    procedure: str = ""
    """DE 1/10, e.g. ``1040``; ``""``: not declared."""
    net_mass: str = ""
    """DE 6/1, kilograms as exact decimal text; ``""``: not declared."""
    item_price: int | None = None
    """DE 4/14, minor units of ``item_currency``."""
    item_currency: str = ""
    statistical_value: int | None = None
    """DE 8/6, minor units of ``statistical_currency``."""
    statistical_currency: str = ""


class Amendment(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One accepted amendment, as it changed the declaration."""

    digest: bytes
    lrn: str
    at_ms: int
    change_reasons: list[str]
    value_before: int
    value: int
    currency: str
    goods_count_before: int
    goods_count: int
    sequences: list[int]
    """The goods items it changed or added."""


class Cancellation(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    digest: bytes
    lrn: str
    at_ms: int
    reason: str
    reason_code: str


class Declaration(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A registered declaration; amounts in minor units."""

    id: str
    """The MRN."""
    lrn: str
    type_code: str
    direction: str
    """``export`` or ``import``."""
    procedure_codes: list[str]
    declarant: str
    exporter: str
    importer: str
    exporter_org: str
    importer_org: str
    customs: str
    """The customs office (ledger organisation) that registered it."""
    invoice_amount: int | None
    invoice_currency: str
    value: int
    currency: str
    value_basis: ValueBasis
    goods_items: list[GoodsItem]
    goods_count: int
    acceptance_date: str
    issue_date: str
    digest: bytes
    status: Status
    registered_at_ms: int
    amended_at_ms: int
    """When the last amendment was registered; 0: never amended."""
    amendments: list[Amendment]
    cancellation: Cancellation | None


# --------------------------------------------------------------------------- keys


def declaration_key(mrn: str) -> str:
    """State key of the declaration ``mrn``."""
    return DECLARATION_PREFIX + mrn


def lrn_key(declarant: str, lrn: str) -> str:
    """State key of a declarant's reference (LRN) → the MRN it was registered under."""
    return f"{LRN_PREFIX}{escape(declarant)}/{escape(lrn)}"


def read_declaration(state: StateReader, mrn: str) -> Declaration | None:
    """The declaration ``mrn``, or ``None``."""
    raw = state.get(declaration_key(mrn))
    return None if raw is None else decode(raw, Declaration)


CUSTOMS_OFFICE: Party[Declaration] = Party("customs office", lambda d: d.customs)
DECLARATIONS = Subject(
    "declaration", Declaration, declaration_key, "id", missing="no declaration {id!r}",
    wrong_status="declaration {id!r} is {status}; {action} needs {expected}",
    parties=(CUSTOMS_OFFICE, Party("exporter", lambda d: d.exporter_org),
             Party("importer", lambda d: d.importer_org)))


# --------------------------------------------------------------------------- rules


def direction_of(type_code: str, procedures: list[str]) -> str:
    """``export`` or ``import``: from DE 1/1 (EX, IM); a ``CO`` declaration (special fiscal
    territories) by its requested procedure (``EXPORT_PROCEDURES``)."""
    if type_code.startswith("EX"):
        return "export"
    if type_code.startswith("IM"):
        return "import"
    return "export" if any(p[:2] in EXPORT_PROCEDURES for p in procedures) else "import"


def declared_value(invoice_amount: int | None, invoice_currency: str,
                   items: list[GoodsItem]) -> tuple[int, str, ValueBasis]:
    """``(value, currency, basis)`` of a declaration (module docstring); ``BadArguments``
    naming ``goods_items`` when a sum passes the ledger's range."""
    if invoice_amount is not None:
        return invoice_amount, invoice_currency, ValueBasis.INVOICE
    for basis in (ValueBasis.ITEM_PRICE, ValueBasis.STATISTICAL):
        figures = [(i.item_price, i.item_currency) if basis == ValueBasis.ITEM_PRICE
                   else (i.statistical_value, i.statistical_currency) for i in items]
        currencies = {c for _, c in figures}
        if not items or any(a is None for a, _ in figures) or len(currencies) != 1:
            continue
        total = sum(a or 0 for a, _ in figures)
        if total > MAX_AMOUNT:
            raise BadArguments("goods_items", f"the items' {basis} values sum to {total}, "
                               f"beyond {MAX_AMOUNT} minor units")
        return total, currencies.pop(), basis
    return 0, "", ValueBasis.NONE


def merge_items(items: list[GoodsItem], changes: list[GoodsItem]) -> list[GoodsItem]:
    """``items`` with each change applied: the given fields of a change replace those of
    the item with its sequence number, or the change is a new item; by sequence."""
    merged = {i.sequence: i for i in items}
    for change in changes:
        old = merged.get(change.sequence)
        if old is None:
            merged[change.sequence] = change
            continue
        given = {f: getattr(change, f) for f in change.__struct_fields__
                 if getattr(change, f) not in ("", None)}
        merged[change.sequence] = msgspec.structs.replace(old, **given)
    return [merged[s] for s in sorted(merged)]


def check_items(items: list[GoodsItem], field: str = "goods_items", *,
                required: bool = True) -> None:
    """Each item well formed, sequence numbers unique; ``BadArguments`` naming the item's
    field (``goods_items[2].item_price``)."""
    if required and not items:
        raise BadArguments(field, "a declaration has at least one goods item (DE 1/9)")
    if len(items) > MAX_ITEMS:
        raise BadArguments(field, f"{len(items)} items; at most {MAX_ITEMS}")
    seen: set[int] = set()
    for n, item in enumerate(items):
        at = f"{field}[{n}]"
        if not 1 <= item.sequence <= 99_999:
            raise BadArguments(f"{at}.sequence", f"{item.sequence} is not 1 to 99999 (DE 1/6)")
        if item.sequence in seen:
            raise BadArguments(f"{at}.sequence", f"goods item {item.sequence} is given twice")
        seen.add(item.sequence)
        for name, value, rule, what in (
                ("commodity_code", item.commodity_code, COMMODITY, "4 to 10 digits"),
                ("procedure", item.procedure, PROCEDURE, "4 digits (DE 1/10)"),
                ("net_mass", item.net_mass, MASS, "kilograms, at most 16 digits and 6 "
                                                  "decimals")):
            if value and not rule.match(value):
                raise BadArguments(f"{at}.{name}", f"{shown(value)!r} is not {what}")
        _check_money(item.item_price, item.item_currency, f"{at}.item_price",
                     f"{at}.item_currency")
        _check_money(item.statistical_value, item.statistical_currency,
                     f"{at}.statistical_value", f"{at}.statistical_currency")


def _check_money(amount: int | None, currency: str, field: str, currency_field: str) -> None:
    if amount is None:
        if currency:
            raise BadArguments(currency_field, "given without an amount")
        return
    if not 0 <= amount <= MAX_AMOUNT:
        raise BadArguments(field, f"{amount} is not 0 to {MAX_AMOUNT} minor units")
    if not CURRENCY.match(currency):
        raise BadArguments(currency_field, f"{shown(currency)!r} is not an ISO 4217 code")


def _check_text(value: str, field: str, *, required: bool = False, limit: int = 35) -> None:
    if not value:
        if required:
            raise BadArguments(field, "must not be empty")
        return
    if len(value) > limit or any(unicodedata.category(c) in ("Cc", "Cf") for c in value) \
            or value != value.strip():
        raise BadArguments(field, f"{shown(value)!r} is not 1 to {limit} characters without "
                           "control characters or outer spaces")


def _check_party(value: str, field: str, *, required: bool = False) -> None:
    if (value or required) and not PARTY.match(value):
        raise BadArguments(field, f"{shown(value)!r} is not EORI:<EORI number>")


def _check_digest(digest: bytes) -> None:
    if len(digest) != 32:
        raise BadArguments("digest", "must be the 32-byte digest of the declaration file")


def check_mrn(mrn: str, field: str = "id") -> None:
    """``BadArguments`` naming ``field`` unless ``mrn`` has the form of ``MRN``."""
    if not MRN.match(mrn):
        raise BadArguments(field, f"{shown(mrn)!r} is not a declaration number (MRN): 1 to "
                                 "35 upper-case letters and digits")


def _check_trader(state: StateReader, org: str, field: str) -> None:
    found = read_org(state, org)
    if found is None:
        raise NotFound(field, f"no organisation {shown(org)!r}")
    if not TRADERS & set(found.roles):
        raise BadArguments(field, f"{org!r} holds none of the roles {sorted(TRADERS)}")
    if found.status != OrgStatus.ACTIVE:
        raise Conflict(field, f"{org!r} is {found.status}")


def _claim_digest(state: TxState, digest: bytes, mrn: str) -> None:
    key = DIGEST_PREFIX + digest.hex()
    earlier = state.get_as(key, str)
    if earlier is not None:
        raise Conflict("digest", f"this file is already registered (declaration {earlier!r})")
    state.put(key, mrn)


# --------------------------------------------------------------------------- actions


class Register(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A declaration customs accepted. Amounts in minor units; parties ``EORI:<number>``."""

    id: str
    """The MRN customs assigned."""
    lrn: str
    type_code: str
    declarant: str
    goods_items: list[GoodsItem]
    digest: bytes
    exporter: str = ""
    importer: str = ""
    exporter_org: str = ""
    importer_org: str = ""
    invoice_amount: int | None = None
    invoice_currency: str = ""
    acceptance_date: str = ""
    issue_date: str = ""


class Amend(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An accepted amendment of declaration ``id``: what changed."""

    id: str
    digest: bytes
    lrn: str = ""
    change_reasons: list[str] = []
    invoice_amount: int | None = None
    invoice_currency: str = ""
    goods_items: list[GoodsItem] = []
    goods_item_quantity: int = 0
    """DE 1/9 as the amendment states it; 0: not stated."""


class Cancel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An accepted cancellation (invalidation) of declaration ``id``."""

    id: str
    digest: bytes
    lrn: str = ""
    reason: str = ""
    reason_code: str = ""


def check_register(args: Register) -> tuple[int, str, ValueBasis]:
    """Validate a registration's figures (all but ``id``, which customs assigns); its
    ``declared_value``. ``BadArguments`` names the field. The importer runs this on every
    original it reads, so a file it accepts is not refused by the ledger for its
    contents."""
    _check_text(args.lrn, "lrn", required=True)
    if not TYPE_CODE.match(args.type_code):
        raise BadArguments("type_code", f"{shown(args.type_code)!r} is not a declaration "
                           "type: EX, IM or CO and A-F, J, K, X, Y or Z (DE 1/1, 1/2)")
    _check_party(args.declarant, "declarant", required=True)
    _check_party(args.exporter, "exporter")
    _check_party(args.importer, "importer")
    check_items(args.goods_items)
    _check_money(args.invoice_amount, args.invoice_currency, "invoice_amount",
                 "invoice_currency")
    for name, date in (("acceptance_date", args.acceptance_date),
                       ("issue_date", args.issue_date)):
        if date:
            day_number(date, name)
    _check_digest(args.digest)
    return declared_value(args.invoice_amount, args.invoice_currency, args.goods_items)


def register(state: TxState, ctx: Context, args: Register) -> None:
    """Customs registers a declaration it accepted, under its MRN."""
    check_mrn(args.id)
    value, currency, basis = check_register(args)
    procedures = sorted({i.procedure for i in args.goods_items if i.procedure})
    direction = direction_of(args.type_code, procedures)
    trader_field = "exporter_org" if direction == "export" else "importer_org"
    if not getattr(args, trader_field):
        raise BadArguments(trader_field, f"an {direction} declaration names the ledger "
                           f"organisation of its {direction}er")
    for field in ("exporter_org", "importer_org"):
        if getattr(args, field):
            _check_trader(state, getattr(args, field), field)
    if state.get(declaration_key(args.id)) is not None:
        raise Conflict("id", f"declaration {args.id!r} is already registered")
    _claim_digest(state, args.digest, args.id)
    reference = lrn_key(args.declarant, args.lrn)
    earlier = state.get_as(reference, str)
    if earlier is not None:
        raise Conflict("lrn", f"{args.declarant}'s reference {shown(args.lrn)!r} is already "
                       f"registered as declaration {earlier!r}")
    state.put(reference, args.id)
    items = sorted(args.goods_items, key=lambda i: i.sequence)
    state.put(declaration_key(args.id), Declaration(
        args.id, args.lrn, args.type_code, direction, procedures, args.declarant,
        args.exporter, args.importer, args.exporter_org, args.importer_org, ctx.sender.org,
        args.invoice_amount, args.invoice_currency, value, currency, basis, items,
        len(items), args.acceptance_date, args.issue_date, args.digest, Status.REGISTERED,
        ctx.timestamp_ms, 0, [], None))
    state.emit("DeclarationRegistered", id=args.id, direction=direction,
               exporter_org=args.exporter_org, importer_org=args.importer_org,
               value=value, currency=currency, goods_count=len(items))


def amend(state: TxState, ctx: Context, args: Amend, decl: Declaration) -> None:
    """Customs registers an accepted amendment; the value is worked out again."""
    _check_digest(args.digest)
    _check_text(args.lrn, "lrn")
    if len(args.change_reasons) > MAX_ITEMS:
        raise BadArguments("change_reasons", f"{len(args.change_reasons)} codes; at most "
                           f"{MAX_ITEMS}")
    for n, code in enumerate(args.change_reasons):
        if not REASON_CODE.match(code):
            raise BadArguments(f"change_reasons[{n}]", f"{shown(code)!r} is not a reason code")
    check_items(args.goods_items, required=False)
    _check_money(args.invoice_amount, args.invoice_currency, "invoice_amount",
                 "invoice_currency")
    items = merge_items(decl.goods_items, args.goods_items)
    if len(items) > MAX_ITEMS:
        raise BadArguments("goods_items", f"the declaration would hold {len(items)} items")
    if args.goods_item_quantity and args.goods_item_quantity != len(items):
        raise Conflict("goods_item_quantity", f"the amendment states {args.goods_item_quantity}"
                       f" goods items; with its items the declaration has {len(items)}")
    invoice = decl.invoice_amount if args.invoice_amount is None else args.invoice_amount
    invoice_currency = (decl.invoice_currency if args.invoice_amount is None
                        else args.invoice_currency)
    value, currency, basis = declared_value(invoice, invoice_currency, items)
    _claim_digest(state, args.digest, decl.id)
    change = Amendment(args.digest, args.lrn, ctx.timestamp_ms, list(args.change_reasons),
                       decl.value, value, currency, decl.goods_count, len(items),
                       sorted({i.sequence for i in args.goods_items}))
    procedures = sorted({i.procedure for i in items if i.procedure})
    state.put(declaration_key(decl.id), msgspec.structs.replace(
        decl, invoice_amount=invoice, invoice_currency=invoice_currency, value=value,
        currency=currency, value_basis=basis, goods_items=items, goods_count=len(items),
        procedure_codes=procedures, amended_at_ms=ctx.timestamp_ms,
        amendments=[*decl.amendments, change]))
    state.emit("DeclarationAmended", id=decl.id, exporter_org=decl.exporter_org,
               importer_org=decl.importer_org, value_before=decl.value, value=value,
               currency=currency, goods_count=len(items))


def cancel(state: TxState, ctx: Context, args: Cancel, decl: Declaration) -> None:
    """Customs registers an accepted cancellation; the declaration backs nothing more."""
    _check_digest(args.digest)
    _check_text(args.lrn, "lrn")
    _check_text(args.reason, "reason", limit=MAX_TEXT)
    if args.reason_code and not REASON_CODE.match(args.reason_code):
        raise BadArguments("reason_code", f"{shown(args.reason_code)!r} is not a reason code")
    _claim_digest(state, args.digest, decl.id)
    state.put(declaration_key(decl.id), msgspec.structs.replace(decl, cancellation=Cancellation(
        args.digest, args.lrn, ctx.timestamp_ms, args.reason, args.reason_code)))
    state.emit("DeclarationCancelled", id=decl.id, exporter_org=decl.exporter_org,
               importer_org=decl.importer_org, value=decl.value, currency=decl.currency)


CONTRACT = Contract(
    "customs",
    {
        "register": Action(register, Register, roles=CUSTOMS, to=Status.REGISTERED),
        "amend": Transition(amend, Amend, DECLARATIONS, {Status.REGISTERED},
                            by=CUSTOMS_OFFICE, roles=CUSTOMS),
        "cancel": Transition(cancel, Cancel, DECLARATIONS, {Status.REGISTERED},
                             Status.CANCELLED, by=CUSTOMS_OFFICE, roles=CUSTOMS),
    },
)
