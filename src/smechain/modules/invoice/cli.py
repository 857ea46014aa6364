"""``smechain invoice``: import e-invoice files, anchor them, check files against anchors
(and an OFD's electronic seals)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import contract_app, fail, read_input, submit, view_of
from smechain.cli.render import as_args, dumps
from smechain.core.crypto import CryptoSuite, get_suite
from smechain.documents import DocumentError, import_invoice, verify_ofd_seals
from smechain.documents.seal import SealCheck, broken_seal
from smechain.modules.invoice.contract import CONTRACT, financing_of, invoice_id, read_invoice

OFD_MAGIC = b"PK\x03\x04"
"""How an OFD (a ZIP package) starts; the importer tells the syntaxes apart the same way."""

EXAMPLES = {
    "anchor": '{"code": "031002600111", "number": "20260001", "seller": "USCC:<seller>", '
              '"buyer": "USCC:<buyer>", "currency": "CNY", "net_amount": 8850, '
              '"tax_amount": 1150, "total_amount": 10000, "issue_date": "2026-11-01", '
              '"digest": "0x<sha-256 of the file>"} (`invoice import` prints it)',
    "void": '{"invoice": "<invoice id>", "reason": "red-letter reissue"}',
    "register_party": '{"identifier": "USCC:91310000MA1K000107", "org": "sme-1"}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "E-invoices: import, anchor, verify.", EXAMPLES)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="UBL or CII XML, or an OFD e-fapiao.")],
    data: Annotated[Path | None, typer.Option(help="Anchor it on this node's chain.")] = None,
    key: Annotated[Path | None, typer.Option(help="A tax authority's key file.")] = None,
    suite: Annotated[str, typer.Option(help="Digest suite when not anchoring.")] = "ed25519",
) -> None:
    """Read an e-invoice file and print its anchor (and an OFD's seals); with --data and
    --key, anchor it, which an OFD whose seal is not ok never is."""
    if (data is None) != (key is None):
        fail("--data and --key go together (anchoring needs both)")
    hasher = view_of(data).suite.hash if data is not None else _suite(suite).hash
    raw = _read(file)
    try:
        record = import_invoice(raw, hasher, str(file))
    except DocumentError as exc:
        fail(f"FILE: {exc}", 1)
    seals, failure = _seals(raw, file) if record.syntax == "ofd" else (None, None)
    if failure is not None and data is not None:
        fail(f"FILE: {failure}; not anchored", 1)
    args = record.anchor_args()
    inv_id = invoice_id(record.seller_id, record.code, record.number)
    # The anchor as `tx invoice anchor --args` takes it: the digest as "0x…".
    doc: dict[str, object] = {"invoice": inv_id, "anchor": as_args(args), "kind": record.kind,
                              "syntax": record.syntax, "notes": list(record.notes)}
    if seals is not None:
        doc["seals"] = seals
    typer.echo(dumps(doc))
    if data is not None and key is not None:
        submit(data, "invoice", "anchor", args, key, [])


def _read(file: Path) -> bytes:
    """The document's bytes: a missing file, a directory, an unreadable one or one past
    the documents' size limit (no e-invoice is 16 MiB) is an error naming FILE."""
    return read_input(file, "FILE")


def _seals(raw: bytes, file: Path) -> tuple[list[dict[str, object]], str | None]:
    """An OFD's seals as JSON-ready data, and why the file fails on them (``None``: it
    does not; an OFD without seals does not either)."""
    try:
        checks = verify_ofd_seals(raw, str(file))
    except DocumentError as exc:
        return [broken_seal(exc)], f"broken seal: {exc}"
    failure = next((c.failure for c in checks if not c.ok), None)
    return [c.summary() for c in checks], failure


def _suite(name: str) -> CryptoSuite:
    try:
        return get_suite(name)
    except ValueError as exc:
        fail(f"--{exc}")


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="The invoice file to check.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
) -> None:
    """Check a file against its anchor and an OFD's seals: exit 0 when both hold, 1 otherwise.

    An OFD's seals are reported first, also when the importer then refuses the file.
    """
    view = view_of(data)
    raw = _read(file)
    seal_failure = report_seals(file, raw) if raw[:4] == OFD_MAGIC else None
    try:
        record = import_invoice(raw, view.suite.hash, str(file))
    except DocumentError as exc:
        fail(f"FILE: {exc}", 1)
    inv_id = invoice_id(record.seller_id, record.code, record.number)
    anchored = read_invoice(view.store, inv_id)
    if anchored is None:
        fail(f"FILE: invoice {inv_id!r} is not anchored", 1)
    if anchored.digest != record.digest:
        fail(f"FILE: does not match the anchor of {inv_id!r} (digest differs)", 1)
    if seal_failure is not None:
        fail(f"FILE: matches the anchor of {inv_id!r}, but its {seal_failure}", 1)
    financing = financing_of(view.store, anchored)
    typer.echo(f"matches the anchor of {inv_id!r} ({anchored.kind}, {anchored.status}, financed "
               f"{financing.financed} of amount due {financing.amount_due} {anchored.currency})")


def describe(check: SealCheck) -> str:
    """One line: the seal's file, verdict, name, signer and signing time (and why not ok)."""
    when = check.signing_time.isoformat() if check.signing_time else "unknown time"
    who = (f"seal {check.seal_name!r} (esID {check.seal_id}, SES v{check.version}), "
           f"signer {check.signer}, signed {when}") if check.version else "no seal data"
    if check.ok:
        return f"seal {check.signature_file}: ok: {who}"
    return f"seal {check.signature_file}: {check.verdict.upper()}: {check.reason}; {who}"


def report_seals(file: Path, data: bytes | None = None) -> str | None:
    """Print every seal of the OFD ``file``; return why the file fails, ``None`` if none does.

    ``data`` is the file's content when the caller has read it already (so the seals
    checked are those of the bytes it imported). A seal that cannot be read at all (a
    ``DocumentError``) is reported as broken. An OFD without seals is reported as such
    and does not fail here.
    """
    try:
        checks = verify_ofd_seals(file.read_bytes() if data is None else data, str(file))
    except OSError as exc:
        return f"cannot read file ({exc.strerror})"
    except DocumentError as exc:
        typer.echo(f"seal: BROKEN: {exc}")
        return f"broken seal: {exc.reason}"
    if not checks:
        typer.echo("seal: none (the OFD carries no electronic seal)")
        return None
    failure = None
    for check in checks:
        typer.echo(describe(check))
        if not check.ok and failure is None:
            failure = f"seal {check.signature_file} is {check.verdict}: {check.reason}"
    return failure
