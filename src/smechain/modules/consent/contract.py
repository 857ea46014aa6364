"""Consent to government data: an SME lets a named bank have named categories of its data
computed on, for a purpose, until a date (DESIGN §5, "consent first").

The SME grants; only it revokes, once. Expiry is by time and is read, not written: a
consent whose ``until_ms`` has passed stays ``granted`` on the ledger and is refused by
``queries.check_consent`` from that millisecond on. Data owners (the tax authority, the
market regulator...) refuse to compute without a live consent, and the ``credit``
contract refuses an attestation without one.

Transitions, as declared in ``CONTRACT`` (``by``: the party of the consent who may call
it)::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | grant | (none) | granted | (by role) | (none) | sme |
    | revoke | granted | revoked | sme | (none) | any |

Besides the declaration: ``grant`` names an organisation holding the bank role, one to
seven known categories without repeats, a purpose of ``PURPOSES`` and an end after the
block's time and at most ``MAX_TERM_DAYS`` beyond it.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from smechain.core.contract import Action, Context, Contract, Party, Subject, Transition
from smechain.core.daycount import MS_PER_DAY, date_of
from smechain.core.encoding import shown
from smechain.core.errors import BadArguments, NotFound
from smechain.core.state import TxState
from smechain.modules.membership.contract import read_org

CONSENT_PREFIX = "consent/"

CATEGORY_ROLE = {
    "tax": "tax_authority",
    "market_regulation": "market_regulator",
    "social_insurance": "social_insurance",
    "customs": "customs",
    "ip": "ip_office",
    "courts": "court",
    "utilities": "utility",
}
"""Each data category and the role of the government offices that own its data."""
CATEGORIES = tuple(CATEGORY_ROLE)
"""The data categories a consent may name, in ``CATEGORY_ROLE`` order."""
PURPOSES = ("credit_assessment", "loan_review", "post_loan_monitoring")
"""What a bank may use the data for."""
MAX_TERM_DAYS = 1096
"""A consent runs at most three years from its grant."""


class Status(StrEnum):
    """Lifecycle of a consent (expiry is by time, read from ``until_ms``)."""

    GRANTED = "granted"
    REVOKED = "revoked"


class Consent(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """An SME's consent to a bank's use of categories of its government data."""

    id: str
    sme: str
    """The organisation whose data it is, which granted the consent."""
    bank: str
    """The organisation the consent is for."""
    categories: list[str]
    """The data categories (``CATEGORIES``) it covers, as granted."""
    purpose: str
    """One of ``PURPOSES``."""
    granted_at_ms: int
    """The time of the block that granted it."""
    until_ms: int
    """The consent is live before this time and expired from it on."""
    revoked_at_ms: int
    """The time of the block that revoked it; 0 while not revoked."""
    status: Status


def consent_key(consent_id: str) -> str:
    """State key of a consent."""
    return CONSENT_PREFIX + consent_id


SME: Party[Consent] = Party("sme", lambda c: c.sme)
CONSENTS = Subject(
    "consent", Consent, consent_key, "id", missing="no consent {id!r}",
    wrong_status="consent {id!r} is {status}; {action} needs {expected}",
    parties=(SME, Party("bank", lambda c: c.bank)))


class Grant(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    bank: str
    """The bank the consent is for."""
    categories: list[str]
    """The data categories it covers (``CATEGORIES``), each once."""
    purpose: str
    """One of ``PURPOSES``."""
    until_ms: int
    """When it expires: after the block's time, at most ``MAX_TERM_DAYS`` later."""


class ConsentRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str


def check_categories(categories: list[str], field: str = "categories") -> None:
    """``BadArguments`` naming ``field`` (or ``field[i]``) unless ``categories`` is a
    non-empty list of known categories without repeats."""
    if not categories:
        raise BadArguments(field, "name at least one data category")
    for i, category in enumerate(categories):
        if category not in CATEGORY_ROLE:
            raise BadArguments(f"{field}[{i}]", f"{shown(category)!r} is not one of "
                               f"{', '.join(CATEGORIES)}")
        if category in categories[:i]:
            raise BadArguments(f"{field}[{i}]", f"{category!r} is listed twice")


def grant(state: TxState, ctx: Context, args: Grant) -> None:
    """The SME grants a bank consent to categories of its data, for a purpose, until a time."""
    bank = read_org(state, args.bank)
    if bank is None:
        raise NotFound("bank", f"no organisation {shown(args.bank)!r}")
    if "bank" not in bank.roles:
        raise BadArguments("bank", f"{args.bank!r} is not a bank")
    check_categories(args.categories)
    if args.purpose not in PURPOSES:
        raise BadArguments("purpose", f"{shown(args.purpose)!r} is not one of "
                           f"{', '.join(PURPOSES)}")
    if args.until_ms <= ctx.timestamp_ms:
        raise BadArguments("until_ms", f"{args.until_ms} "
                           f"({date_of(args.until_ms // MS_PER_DAY)}) is not after the "
                           f"block's time ({date_of(ctx.timestamp_ms // MS_PER_DAY)})")
    if args.until_ms - ctx.timestamp_ms > MAX_TERM_DAYS * MS_PER_DAY:
        raise BadArguments("until_ms", f"a consent runs at most {MAX_TERM_DAYS} days")
    consent_id = ctx.tx_hash.hex()[:32]
    state.put(consent_key(consent_id), Consent(
        consent_id, ctx.sender.org, args.bank, list(args.categories), args.purpose,
        ctx.timestamp_ms, args.until_ms, 0, Status.GRANTED))
    state.emit("ConsentGranted", id=consent_id, sme=ctx.sender.org, bank=args.bank,
               categories=list(args.categories), purpose=args.purpose, until_ms=args.until_ms)


def revoke(state: TxState, ctx: Context, args: ConsentRef, consent: Consent) -> None:
    """The SME revokes its consent; from this block on nothing may be computed under it."""
    state.put(consent_key(consent.id),
              msgspec.structs.replace(consent, revoked_at_ms=ctx.timestamp_ms))
    state.emit("ConsentRevoked", id=consent.id, sme=consent.sme, bank=consent.bank)


SMES = frozenset({"sme"})

CONTRACT = Contract(
    "consent",
    {
        "grant": Action(grant, Grant, roles=SMES, to=Status.GRANTED),
        "revoke": Transition(revoke, ConsentRef, CONSENTS, {Status.GRANTED}, Status.REVOKED,
                             by=SME),
    },
)
