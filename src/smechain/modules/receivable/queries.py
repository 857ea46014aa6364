"""Reads over debt certificates: who one concerns, its lineage, its sale price, totals.

Pure: each function takes a state reader (``StateReader``: ``get(key)``) or
records already read, and plain values; none reads the clock. These are the
one home of each rule; the API, the index and the portal's answers call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from smechain.core.daycount import DayCount, day_number
from smechain.core.encoding import decode, shown
from smechain.core.errors import BadArguments, ContractError
from smechain.core.state import StateReader
from smechain.modules.receivable.contract import (
    Certificate,
    Status,
    cert_key,
    discounted_price,
)

OUTSTANDING = frozenset({Status.CONFIRMED, Status.OVERDUE})
"""Certificates still to be paid."""
DEAL_ACTIONS = frozenset({"issue", "confirm", "dispute"})
"""The request and its answer: the only deals the fixed supplier and debtor are party to."""
NAMES = frozenset({"id"})
"""Argument and event fields ``tx_orgs`` reads (certificate ids)."""


def read_certificate(state: StateReader, cert_id: str) -> Certificate | None:
    """The certificate (or part) ``cert_id``, or ``None``."""
    raw = state.get(cert_key(cert_id))
    return None if raw is None else decode(raw, Certificate)


def parties(cert: Certificate) -> set[str]:
    """The organisations a certificate or part concerns: its debtor, holder, recourse
    seller and guarantor, and on the original certificate its supplier (parts inherit
    the supplier's name but not its say)."""
    found = {cert.debtor, cert.holder, cert.recourse_to, cert.guarantor}
    if not cert.parent:
        found.add(cert.supplier)
    return {o for o in found if o}


def unknown_to(state: StateReader, org: str, args: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(field, reason)`` to refuse, as for an unknown id, an action of ``org`` on the
    certificate ``args["id"]`` when ``org`` neither holds nor owes it (refusals must not
    tell strangers who holds what); ``None`` when ``org`` may act, or ``args`` name no
    certificate."""
    cert_id = args.get("id")
    if not isinstance(cert_id, str):
        return None
    cert = read_certificate(state, cert_id)
    if cert is not None and org in (cert.holder, cert.debtor):
        return None
    return "id", f"no certificate {shown(cert_id)!r}"


def tx_orgs(state: StateReader, contract: str, action: str, named: Mapping[str, set[str]]
            ) -> set[str]:
    """The organisations a ``receivable`` request or its answer concerns from state: the
    supplier and debtor of each certificate named (``named["id"]``: ids found in the
    transaction's arguments and events). Later holders must not see earlier deals, nor
    the supplier and debtor the price at which a holder sold its part, so other actions
    add no one."""
    if contract != "receivable" or action not in DEAL_ACTIONS:
        return set()
    found: set[str] = set()
    for cert_id in named.get("id", ()):
        cert = read_certificate(state, cert_id)
        if cert is not None:
            found.update((cert.supplier, cert.debtor))
    return found


def in_lineage(cert_id: str, other: str) -> bool:
    """Whether ``other`` is ``cert_id``, one of its ancestors or one of its descendants
    (part ids extend their parent's id with ``.<n>``)."""
    return other == cert_id or other.startswith(cert_id + ".") or cert_id.startswith(other + ".")


def lineage(certs: Iterable[Certificate], root: str, opened: set[str]
            ) -> tuple[dict[str, Any], set[str]]:
    """The tree of ``root``'s parts and the ids in it a caller may open.

    ``certs``: the records under ``cert_key(root)`` (others are ignored); ``opened``:
    the ids the caller is party to or was offered. The caller may open those, their
    ancestors and their descendants; other nodes show their face, status and maturity
    but not who holds them. Each node is ``{id, holder, face, status, maturity, parts}``.
    ``KeyError`` when ``root`` is not among ``certs``.
    """
    family = [c for c in certs if c.root == root]
    related = {c.id for c in family if any(in_lineage(m, c.id) for m in opened)}
    nodes: dict[str, dict[str, Any]] = {
        c.id: {"id": c.id, "holder": c.holder if c.id in related else "", "face": c.face,
               "status": c.status, "maturity": c.maturity, "parts": []} for c in family}
    for c in family:
        if c.parent in nodes:
            nodes[c.parent]["parts"].append(nodes[c.id])
    return nodes[root], related


class PriceRefused(ContractError):
    """No price can be quoted: ``PriceRefused(field, reason, code)``; ``field`` is the
    argument at fault, ``code`` is ``bad_args`` (the arguments) or ``conflict`` (the
    certificate's state)."""


@dataclass(frozen=True, slots=True)
class Quote:
    """What a buyer pays for a certificate now: ``price = face - discount`` (minor units)."""

    id: str
    face: int
    days: int
    """Actual days from the pricing date to maturity."""
    discount_rate_bp: int
    """Annual discount rate, basis points."""
    day_count: DayCount
    """The day-count convention the discount is reckoned on."""
    discount: int
    price: int


def sale_price(cert: Certificate, discount_rate_bp: int, today: str, day_count: str,
               *, earliest: str | None = None) -> Quote:
    """The price of ``cert`` sold on ``today`` (``YYYY-MM-DD``, read as the field ``on``)
    at a simple discount of ``discount_rate_bp`` a year on the ``day_count`` convention
    (a ``DayCount`` value), as ``receivable.sell`` computes it. ``earliest`` is the first
    day a sale can happen (the present block day: a sale is priced on the day of its
    block); default ``today``. ``PriceRefused`` naming ``day_count``, ``on`` (not a
    date, before ``earliest``, or a later day on or after maturity) or
    ``discount_rate_bp`` (``bad_args``), or ``cert_id`` (``conflict``: not confirmed,
    or matured by ``earliest``)."""
    try:
        convention = DayCount(day_count)
    except ValueError:
        raise PriceRefused("day_count", f"{day_count!r} is not one of "
                           f"{', '.join(DayCount)}", "bad_args") from None
    if cert.status != Status.CONFIRMED:
        raise PriceRefused("cert_id", f"{cert.id!r} is {cert.status}; only confirmed "
                                      "certificates can be sold", "conflict")
    try:
        sale_day = day_number(today, "on")
        first_day = sale_day if earliest is None else day_number(earliest, "earliest")
    except BadArguments as exc:
        raise PriceRefused("on", exc.reason, "bad_args") from None
    if sale_day < first_day:
        raise PriceRefused("on", f"{today} is before today ({earliest}); a sale is priced "
                                 "on the day of its block", "bad_args")
    maturity_day = day_number(cert.maturity)
    days = maturity_day - sale_day
    if first_day >= maturity_day:
        raise PriceRefused("cert_id", f"{cert.id!r} matures {cert.maturity}; it "
                                      "cannot be sold", "conflict")
    if days <= 0:
        raise PriceRefused("on", f"{today} is not before the maturity {cert.maturity} of "
                                 f"{cert.id!r}; a sale must come before it", "bad_args")
    try:
        cut, price = discounted_price(cert.face, discount_rate_bp, sale_day, maturity_day,
                                      convention)
    except BadArguments as exc:
        raise PriceRefused("discount_rate_bp", exc.reason, "bad_args") from None
    return Quote(cert.id, cert.face, days, discount_rate_bp, convention, cut, price)


def maturities(certs: Iterable[Certificate], org: str | None, role: str
               ) -> list[dict[str, Any]]:
    """Outstanding certificates by month of maturity and currency, oldest first:
    ``[{month: "YYYY-MM", currency, count, amount}]`` (amount: face, minor units), of
    those ``org`` holds (``role="holder"``) or owes (``"debtor"``); every one for
    ``org=None``."""
    buckets: dict[tuple[str, str], list[int]] = {}
    for cert in certs:
        if cert.status not in OUTSTANDING:
            continue
        party = cert.holder if role == "holder" else cert.debtor
        if org is not None and party != org:
            continue
        bucket = buckets.setdefault((cert.maturity[:7], cert.currency), [0, 0])
        bucket[0] += 1
        bucket[1] += cert.face
    return [{"month": m, "currency": cur, "count": c, "amount": a}
            for (m, cur), (c, a) in sorted(buckets.items())]


def daily_sales(state: StateReader, sales: Iterable[tuple[str, str, int]]) -> list[dict[str, Any]]:
    """Certificates sold per day and currency, oldest first: ``[{day, currency, count,
    amount}]`` from ``(day, certificate id, price paid)`` of each ``CertificateSold``
    event (amount: prices, minor units; currency ``""`` for a certificate gone from
    state)."""
    totals: dict[tuple[str, str], list[int]] = {}
    for day, cert_id, price in sales:
        cert = read_certificate(state, cert_id)
        total = totals.setdefault((day, cert.currency if cert is not None else ""), [0, 0])
        total[0] += 1
        total[1] += int(price)
    return [{"day": d, "currency": c, "count": n, "amount": a}
            for (d, c), (n, a) in sorted(totals.items())]
