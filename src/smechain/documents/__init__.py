"""Importing electronic invoices (EN 16931 UBL / CII, China OFD fapiao) into ledger records.

``record`` holds the normalised record and shared parsing helpers, ``en16931``
the UBL and CII syntaxes, ``ofd`` the China OFD package, ``seal`` (with ``ses``
and ``ses_asn1``) the OFD's electronic seals, and ``invoice`` the entry points
that detect the syntax.
"""

from smechain.documents.invoice import import_invoice, import_many, verify_file
from smechain.documents.ofd import verify_ofd_integrity
from smechain.documents.record import DocumentError, InvoiceRecord
from smechain.documents.seal import SealCheck, verify_ofd_seals

__all__ = [
    "DocumentError",
    "InvoiceRecord",
    "SealCheck",
    "import_invoice",
    "import_many",
    "verify_file",
    "verify_ofd_integrity",
    "verify_ofd_seals",
]
