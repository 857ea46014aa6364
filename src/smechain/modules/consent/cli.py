"""``smechain consent``: grant and revoke consents to government data; list them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import contract_app, view_of
from smechain.cli.render import dumps
from smechain.core.encoding import decode
from smechain.modules.consent import queries as q
from smechain.modules.consent.contract import CONSENT_PREFIX, CONTRACT, Consent

EXAMPLES = {
    "grant": '{"bank": "bank-a", "categories": ["tax", "social_insurance"], '
             '"purpose": "credit_assessment", "until_ms": 1798761600000} (categories: tax, '
             "market_regulation, social_insurance, customs, ip, courts, utilities; purpose: "
             "credit_assessment, loan_review or post_loan_monitoring)",
    "revoke": '{"id": "<consent id>"}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Consents to government data: grant, revoke; list.", EXAMPLES)


@app.command("list")
def list_consents(
    org: Annotated[str, typer.Argument(help="The SME or bank whose consents to list.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
    role: Annotated[str, typer.Option(help="sme (granted), bank (received) or any.")] = "any",
) -> None:
    """List the consents an organisation granted or received, each with its standing now."""
    if role not in ("sme", "bank", "any"):
        typer.echo(f"error: --role: {role!r} is not sme, bank or any", err=True)
        raise typer.Exit(2)
    view = view_of(data)
    now = int(time.time() * 1000)
    records = [decode(raw, Consent) for _, raw, _ in view.store.iter_state(CONSENT_PREFIX)]
    typer.echo(dumps([{"consent": c, "standing": q.standing(c, now)}
                      for c in q.consents_of(records, org, role)]))
