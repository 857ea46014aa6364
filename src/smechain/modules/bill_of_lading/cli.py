"""``smechain bill_of_lading``: import a DCSA eBL document (check it, or issue it as a
carrier), issue, transfer, surrender, answer; show a bill and its transfer chain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from smechain.cli.common import contract_app, fail, read_input, submit, view_of
from smechain.cli.render import dumps
from smechain.core.encoding import plain
from smechain.modules.bill_of_lading import dcsa
from smechain.modules.bill_of_lading import queries as q
from smechain.modules.bill_of_lading.contract import CONTRACT, entry_checksum, read_bill

EXAMPLES = {
    "issue": '{"document": {"reference": "COSU6112345670", "to_order": true, '
             '"digest": "0x<sha-256 of the RFC 8785 form>", "carrier_code": "COSU", '
             '"shipped_on_board_date": "2026-03-02", "port_of_loading": "CNSHA", '
             '"port_of_discharge": "NLRTM"}, "shipper": "sme-t4", "endorsee": "sme-t4"} '
             "(`bill_of_lading import` prints it from a DCSA file; a straight bill names "
             "its consignee instead of an endorsee)",
    "transfer": '{"id": "<bill id>", "to": "bank-a", "endorsement": "to_order"} '
                '(endorsement: to_order, named, blank, or "" for a straight or bearer bill)',
    "surrender": '{"id": "<bill id>", "kind": "delivery"} (kind: delivery or amendment; an '
                 'amendment may give reason_code SWTP, COD or SWI, and comments)',
    "answer_surrender": '{"request": "<request id>", "accept": false, "comments": "freight '
                        'unpaid"} (accepting a surrender for amendment gives "amended": the '
                        "amended document, as issue's)",
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Electronic bills of lading (DCSA eBL 3.0): import, issue, "
                   "transfer, surrender, answer; show, chain.", EXAMPLES)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A DCSA eBL 3.0 JSON message: a transport "
                                        "document, issuance request or PINT envelope "
                                        "(others are checked and named).")],
    shipper: Annotated[str, typer.Option(help="The shipper organisation (first possessor).")
                       ] = "",
    consignee: Annotated[str, typer.Option(help="A straight bill's consignee organisation.")
                         ] = "",
    endorsee: Annotated[str, typer.Option(help="A to-order bill's endorsee organisation, "
                                          "when the document names one.")] = "",
    kind: Annotated[str | None, typer.Option(help="Read the file as this kind "
                                             "(transport_document, issuance_request, ...) "
                                             "instead of telling it from its fields.")] = None,
    data: Annotated[Path | None, typer.Option(help="Issue it on this node's chain.")] = None,
    key: Annotated[Path | None, typer.Option(help="The carrier's key file.")] = None,
) -> None:
    """Check a DCSA message against its schema and print what it is (a transport document's
    facts and digest as `issue` takes them); with --data, --key and --shipper, issue it as
    the carrier. A message that fails is refused naming its JSON path (exit 1)."""
    if (data is None) != (key is None):
        fail("--data and --key go together (issuing needs both)")
    if data is not None and not shipper:
        fail("--shipper: name the shipper organisation to issue the bill to")
    raw = read_input(file, "FILE", dcsa.MAX_DOCUMENT)
    try:
        message = dcsa.read_message(raw, kind)
        if message.document_path is None:
            typer.echo(dumps({"kind": message.kind.value}))
            if data is not None:
                fail(f"FILE: {dcsa.DESCRIBED[message.kind]}, not a transport document", 1)
            return
        record = dcsa.transport_document(message)
        args = record.issue_args(shipper, consignee, endorsee) if data is not None else None
    except dcsa.DcsaError as exc:
        fail(f"FILE: {exc}", 1)
    document = record.document()
    document["digest"] = "0x" + record.digest.hex()  # as --args takes bytes
    out: dict[str, Any] = {"kind": message.kind.value, "document": document,
                           "shipper": record.shipper.name,
                           "consignee": record.consignee and record.consignee.name,
                           "endorsee": record.endorsee and record.endorsee.name}
    typer.echo(dumps(out))
    if data is not None and key is not None and args is not None:
        args["document"]["digest"] = record.digest
        submit(data, "bill_of_lading", "issue", args, key, [])


@app.command("show")
def show(
    bill_id: Annotated[str, typer.Argument(help="The bill's id.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
) -> None:
    """Show a bill: its document's facts, possessor, holder, endorsee and open surrender."""
    view = view_of(data)
    bill = read_bill(view.store, bill_id)
    if bill is None:
        fail(f"BILL_ID: no bill of lading {bill_id!r}")
    request = q.open_request(view.store, bill)
    typer.echo(dumps({"bill": bill, "holder": q.holder(bill),
                      "request": None if request is None else plain(request)}))


@app.command("chain")
def chain(
    bill_id: Annotated[str, typer.Argument(help="The bill's id.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
    pint: Annotated[bool, typer.Option(help="Print it as PINT transactions.")] = False,
) -> None:
    """Print a bill's transfer chain and check it link by link: exit 1 when it is broken."""
    view = view_of(data)
    bill = read_bill(view.store, bill_id)
    if bill is None:
        fail(f"BILL_ID: no bill of lading {bill_id!r}")
    entries = q.chain(view.store, bill)
    problems = q.chain_problems(bill, entries)
    shown = q.pint_chain(entries) if pint else [
        {**plain(e), "checksum": entry_checksum(e).hex()} for e in entries]
    typer.echo(dumps({"bill": bill.id, "entries": shown, "verified": not problems,
                      "problems": problems}))
    if problems:
        raise typer.Exit(1)
