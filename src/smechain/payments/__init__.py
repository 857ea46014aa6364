"""Payment messages out of and into the ledger's cash movements (off-ledger).

``iso20022``: a committed cash transfer as an ISO 20022 ``pacs.008`` (the bank-to-bank
leg) or ``pain.001`` (the customer's initiation to its bank), each validated against the
official XSD before it is returned; ``reader``: such messages, and the CBPR+ ones banks
exchange, read back (Business Application Header envelope included) into the same fields.

Like ``smechain.privacy``, this is generic off-ledger machinery: of smechain it imports
only the core (``tests/test_layering.py``), never a module, the node or a framework; the
cash module's outer parts feed it what the ledger recorded.
"""
