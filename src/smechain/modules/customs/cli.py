"""``smechain customs``: import WCO declaration files (register, amend, cancel) and show a
declaration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import contract_app, fail, read_input, submit, view_of
from smechain.cli.render import as_args, dumps
from smechain.core.errors import BadArguments
from smechain.documents.record import DocumentError
from smechain.modules.customs import queries as q
from smechain.modules.customs.contract import CONTRACT
from smechain.modules.customs.wco import import_declaration

EXAMPLES = {
    "register": '{"id": "24GBDIRIGZ7QLCPAA8", "lrn": "U.7867523JNCOL", "type_code": "EXA", '
                '"declarant": "EORI:GB150454489082", "exporter": "EORI:GB417869120000", '
                '"exporter_org": "sme-t4", "invoice_amount": 950000, "invoice_currency": '
                '"GBP", "goods_items": [{"sequence": 1, "commodity_code": "93063030", '
                '"procedure": "1040"}], "digest": "0x<sha-256 of the file>"} '
                "(`customs import` prints it)",
    "amend": '{"id": "<MRN>", "digest": "0x<sha-256 of the file>", "invoice_amount": 900000, '
             '"invoice_currency": "GBP", "change_reasons": ["25"]}',
    "cancel": '{"id": "<MRN>", "digest": "0x<sha-256 of the file>", "reason": "duplicate", '
              '"reason_code": "1"}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Customs declarations: import WCO files, register, amend, "
                   "cancel; show.", EXAMPLES)

OPTION_OF = {"mrn": "--mrn", "exporter_org": "--exporter-org", "importer_org": "--importer-org"}


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A WCO DEC-DMS XML file: a declaration, an "
                                              "amendment or a cancellation.")],
    data: Annotated[Path | None, typer.Option(help="Submit it on this node's chain.")] = None,
    key: Annotated[Path | None, typer.Option(help="A customs office's key file.")] = None,
    mrn: Annotated[str, typer.Option(help="The MRN customs assigned to a declaration whose "
                                          "file carries none.")] = "",
    exporter_org: Annotated[str, typer.Option(help="Ledger organisation of an export "
                                                   "declaration's exporter.")] = "",
    importer_org: Annotated[str, typer.Option(help="Ledger organisation of an import "
                                                   "declaration's importer.")] = "",
) -> None:
    """Read and validate a declaration file (WCO XSD) and print what it is and the
    arguments of register, amend or cancel; with --data and --key, submit them."""
    if (data is None) != (key is None):
        fail("--data and --key go together (submitting needs both)")
    raw = read_input(file, "FILE")
    hasher = view_of(data).suite.hash if data is not None else None
    try:
        record = import_declaration(raw, hasher, str(file))
    except DocumentError as exc:
        fail(f"FILE: {exc}", 1)
    try:
        args = record.ledger_args(mrn, exporter_org, importer_org)
    except BadArguments as exc:
        fail(f"{OPTION_OF.get(exc.field, exc.field)}: {exc.reason}")
    typer.echo(dumps({"function": record.function, "type_code": record.type_code,
                      "direction": record.direction, "value": record.value,
                      "currency": record.currency, "value_basis": record.value_basis,
                      "goods_items": len(record.goods), "action": record.action,
                      "args": as_args(args)}))
    if data is not None and key is not None:
        submit(data, "customs", record.action, args, key, [])


@app.command()
def show(
    mrn: Annotated[str, typer.Argument(help="The declaration's MRN.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
) -> None:
    """Show a declaration: parties, value, status, goods items, amendments."""
    view = view_of(data)
    decl = q.read_declaration(view.store, mrn[:64])
    if decl is None:
        fail(f"MRN: no declaration {mrn!r}")
    typer.echo(dumps({**{f: getattr(decl, f) for f in decl.__struct_fields__},
                      "unlent_value": q.unlent_value(decl)}))
