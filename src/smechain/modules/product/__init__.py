"""Loan products: banks publish, revise and withdraw them; SMEs are matched to them.

On the ledger (``contract``, ``queries``): products, every version kept, their
eligibility rules as typed records, and the matching rule for one SME. Off the
ledger (``batch``): the nightly match of every SME against every live product, over
the data owners' stores, column-wise (polars), into ``<data>/product/matches``.
"""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.product.contract import CONTRACT

MODULE = Module(
    "product",
    "Loan products: publish, revise and withdraw them; match SMEs to them",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
    offledger=("batch", "catalogue"),
)
