"""``smechain cash``: issue, transfer and redeem digital cash; interest on wallets; a
wallet's interest and a currency's terms, read from the ledger; a committed transfer as
ISO 20022 pacs.008 or pain.001 XML."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import contract_app, fail, view_of
from smechain.cli.render import dumps
from smechain.core.daycount import block_day, day_number
from smechain.core.errors import BadArguments, NotFound
from smechain.modules.cash import queries as q
from smechain.modules.cash.contract import (
    CONTRACT,
    CURRENCY,
    INTEREST_PREFIX,
    WALLET_PREFIX,
)
from smechain.modules.cash.iso20022 import committed_transfer
from smechain.modules.membership.contract import ORG_PREFIX
from smechain.payments import iso20022

EXAMPLES = {
    "issue": '{"currency": "CNY", "to": "core-a", "amount": 500000}',
    "transfer": '{"currency": "CNY", "to": "sme-1", "amount": 10000, "memo": "invoice A1"}',
    "redeem": '{"currency": "CNY", "amount": 10000}',
    "appoint_operator": '{"currency": "CNY", "org": "bank-op"}',
    "revoke_operator": '{"currency": "CNY", "org": "bank-op"} (not the last operator: '
                       "appoint its successor first)",
    "set_wallet_class": '{"currency": "CNY", "org": "sme-1", "wallet_class": "anonymous"} '
                        "(real_name or anonymous)",
    "set_rate": '{"currency": "CNY", "rate_bp": 5, "effective": "2026-07-01", '
                '"wallet_class": "real_name"} (5 bp = 0.05% a year; effective today or later)',
    "set_settlement_dates": '{"currency": "CNY", "months": [3, 6, 9, 12], "day": 20, '
                            '"effective": "2026-07-01"}',
    "settle_interest": '{"currency": "CNY", "date": "2026-06-20", "wallets": ["sme-1"]}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Digital cash: issue, transfer, redeem; operators: appoint, "
                   "revoke; interest: rates, settlement dates, wallet classes; "
                   "show a wallet's interest and a currency's terms.", EXAMPLES)


def _today() -> int:
    return block_day(int(time.time() * 1000))


@app.command()
def interest(
    org: Annotated[str, typer.Argument(help="The wallet's organisation.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code.")] = "CNY",
    on: Annotated[str | None, typer.Option(
        help="YYYY-MM-DD, default today: from the wallet's accrual day to 3,653 days "
             "ahead.")] = None,
) -> None:
    """Show a wallet's interest earned and accrued, as GET /v1/cash/interest does."""
    if not CURRENCY.match(currency):
        fail(f"--currency: {currency!r} is not an ISO 4217 code")
    view = view_of(data)
    if view.get(ORG_PREFIX + org) is None:
        fail(f"ORG: no organisation {org!r}", 1)
    terms = q.read_terms(view, currency)
    wallet, balance = q.read_wallet(view, currency, org)
    today = _today()
    try:
        as_of = day_number(on, "on") if on else today
        q.check_as_of(terms, wallet, as_of, today, "on")
    except BadArguments as exc:
        fail(f"--on: {exc.reason}")
    records = ((k, v) for k, v, _ in view.store.iter_state(f"{INTEREST_PREFIX}{currency}/"))
    paid = q.interest_history(records, currency, org)
    typer.echo(dumps(q.interest_report(org, currency, terms, wallet, balance, paid, as_of)))


@app.command("terms")
def terms_of(
    currency: Annotated[str, typer.Argument(help="ISO 4217 code, e.g. CNY.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
) -> None:
    """Show a currency's operators, rates, settlement dates and unsettled wallets."""
    if not CURRENCY.match(currency):
        fail(f"CURRENCY: {currency!r} is not an ISO 4217 code")
    view = view_of(data)
    found = q.read_terms(view, currency)
    day = _today()
    last = q.last_settlement_date(found, day)
    pending: list[str] = []
    if last is not None:
        wallets = ((k, v) for k, v, _ in view.store.iter_state(f"{WALLET_PREFIX}{currency}/"))
        orgs = (k.removeprefix(ORG_PREFIX) for k, _, _ in view.store.iter_state(ORG_PREFIX))
        pending = q.unsettled_orgs(found, last, wallets, orgs)
    typer.echo(dumps(q.terms_report(currency, found, q.read_operators(view, currency), day,
                                     pending, q.read_revoked(view, currency))))


BIC_HELP = "BIC (ISO 9362) of the bank that services the {who}'s account."


def _message(data: Path, tx_hash: str) -> iso20022.LedgerTransfer:
    try:
        raw = bytes.fromhex(tx_hash)
    except ValueError:
        fail(f"TX_HASH: {tx_hash[:80]!r} is not hexadecimal")
    try:
        return committed_transfer(view_of(data), raw, None)
    except NotFound as exc:
        fail(f"TX_HASH: {exc.reason}", 1)


def _print(build: Callable[[], bytes]) -> None:
    try:
        typer.echo(build().decode(), nl=False)
    except iso20022.MessageError as exc:
        name = {"debtor_agent": "--debtor-agent", "creditor_agent": "--creditor-agent"}
        fail(f"{name.get(exc.element, exc.element)}: {exc.reason}")


@app.command("pacs008")
def pacs008(
    tx_hash: Annotated[str, typer.Argument(help="The committed cash.transfer's hash (hex).")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
    debtor_agent: Annotated[str, typer.Option(help=BIC_HELP.format(who="payer"))],
    creditor_agent: Annotated[str, typer.Option(help=BIC_HELP.format(who="payee"))],
) -> None:
    """Print a committed cash transfer as ISO 20022 pacs.008.001.08 XML (XSD-validated)."""
    transfer = _message(data, tx_hash)
    _print(lambda: iso20022.pacs008(transfer, debtor_agent, creditor_agent))


@app.command("pain001")
def pain001(
    tx_hash: Annotated[str, typer.Argument(help="The committed cash.transfer's hash (hex).")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
    debtor_agent: Annotated[str, typer.Option(help=BIC_HELP.format(who="payer"))],
    creditor_agent: Annotated[str, typer.Option(
        help=BIC_HELP.format(who="payee") + " Optional.")] = "",
) -> None:
    """Print a committed cash transfer as ISO 20022 pain.001.001.09 XML (XSD-validated)."""
    transfer = _message(data, tx_hash)
    _print(lambda: iso20022.pain001(transfer, debtor_agent, creditor_agent))
