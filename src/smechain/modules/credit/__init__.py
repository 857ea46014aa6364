"""Credit from government data: scorecard models, their PSI, attested computations.

On the ledger (``contract``, ``queries``): registered model versions, their PSI per
quarter, an attestation of every computation under a consent. Off the ledger, at
the organisation that runs them: the data owners' stores (``govdata``), the real
labelled data sets (``datasets``), training and the scorecard artefact
(``scorecard``), and scoring under consent through the privacy protocol (``desk``).
"""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.credit.contract import CONTRACT

MODULE = Module(
    "credit",
    "Credit scoring: scorecard models, their stability, attested computations under consent",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
    offledger=("govdata", "datasets", "scorecard", "desk"),
)
