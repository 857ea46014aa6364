"""``smechain credit``: register and retire scorecard models, report PSI, attest
computations; list the model registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import contract_app, view_of
from smechain.cli.render import dumps
from smechain.core.encoding import decode
from smechain.modules.credit import queries as q
from smechain.modules.credit.contract import (
    CONTRACT,
    MODEL_PREFIX,
    PSI_PREFIX,
    Model,
    PsiReport,
)

EXAMPLES = {
    "register_model": '{"model_version": "sba-2026.12-1", "kind": "scorecard", '
                      '"artefact_digest": "0x<sha-256 of the model file>", "categories": '
                      '[{"category": "tax", "features": ["vat_paid_12m"]}], "base_score": 600, '
                      '"base_odds_good": 50, "base_odds_bad": 1, "pdo": 20, '
                      '"band_cutoffs": [520, 580, 640, 700]}',
    "retire_model": '{"model_version": "sba-2026.12-1"}',
    "report_psi": '{"model_version": "sba-2026.12-1", "period": "2026Q3", "psi_bp": 1200, '
                  '"population": 5000} (psi_bp: PSI 0.12 is 1200)',
    "attest": '{"consent_id": "<consent id>", "model_version": "sba-2026.12-1", '
              '"category": "tax", "input_digests": ["0x<sha-256>"], '
              '"result_digest": "0x<sha-256>", "kind": "partial_score"} (kind: partial_score, '
              'binning, or score by the bank with category "")',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Credit scoring: register, retire and monitor scorecard models; "
                   "attest computations; models.", EXAMPLES)


@app.command()
def models(
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
) -> None:
    """List the model registry, newest first, each model with its PSI history."""
    view = view_of(data)
    found = [decode(raw, Model) for _, raw, _ in view.store.iter_state(MODEL_PREFIX)]
    reports = [decode(raw, PsiReport) for _, raw, _ in view.store.iter_state(PSI_PREFIX)]
    typer.echo(dumps([{"model": m, "psi": h} for m, h in q.with_history(found, reports)]))
