"""Printing an OFD e-invoice's electronic seals for ``smechain invoice verify``."""

from __future__ import annotations

from pathlib import Path

import typer

from smechain.documents.record import DocumentError
from smechain.documents.seal import SealCheck, verify_ofd_seals


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
