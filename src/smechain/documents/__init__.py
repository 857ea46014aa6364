"""Importing electronic invoices (EN 16931 UBL / CII, China OFD fapiao) into ledger records."""

from smechain.documents.invoice import (
    DocumentError,
    InvoiceRecord,
    import_invoice,
    verify_file,
    verify_ofd_integrity,
)

__all__ = [
    "DocumentError",
    "InvoiceRecord",
    "import_invoice",
    "verify_file",
    "verify_ofd_integrity",
]
