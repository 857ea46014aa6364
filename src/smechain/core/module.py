"""What a business module is, as the frameworks see it.

A module is one folder, ``smechain/modules/<name>/``, holding everything about
one line of business (as a Cosmos SDK module ``x/<name>`` declared by its
``AppModule``, or an Odoo addon declared by its manifest). Its ``__init__.py``
declares ``MODULE = Module(...)``; ``smechain.modules.MODULES`` lists them, and
the runtime, the API, the CLI, the SDK, the portal and the demo loop over that
list. Adding a module is adding a folder and one line in that list.

The parts, by file, each found by its name (a part the folder lacks is absent):

| file         | holds                                                     | pure |
|--------------|-----------------------------------------------------------|------|
| contract.py  | ``CONTRACT``: states, records, actions, handlers          | yes  |
| queries.py   | reads over state: parties, lineage, prices, totals        | yes  |
| routes.py    | ``router(platform) -> APIRouter``: queries, custom views  | no   |
| cli.py       | ``app``: a ``typer.Typer`` of the module's commands        | no   |
| sdk.py       | typed SDK methods and records                             | no   |
| demo.py      | ``seed(builder)``: its part of the demo story, by day       | no   |
| portal/      | views (ES modules), zh/en messages, ``manifest.json``      | no   |

The pure parts run on every peer and import only ``core`` and other modules'
pure parts (``tests/test_layering.py``); the outer parts are loaded by the
framework that uses them (``smechain.modules.parts``), never by the ledger.

A module may also keep *off-ledger* files, named in ``offledger``: machinery
that runs at one organisation, never on the ledger path (a data owner's
store, model training, a privacy-computing party). They may do I/O and
floating-point arithmetic; no pure part and no peer imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from smechain.core.contract import Contract

OUTER_PARTS = ("routes", "cli", "sdk", "demo", "portal")
"""The parts a framework loads by name from a module's folder."""


@dataclass(frozen=True, slots=True)
class Module:
    """One business module: its contract and where its other parts live."""

    name: str
    """The module's name, its folder's name and its contract's name."""
    title: str
    """What it is for, in a few words (the portal's and the CLI's help)."""
    contract: Contract
    package: str
    """The module's Python package, ``smechain.modules.<name>``."""
    parts: tuple[str, ...] = ()
    """Which of ``OUTER_PARTS`` the folder has."""
    offledger: tuple[str, ...] = ()
    """Files of the folder (names without ``.py``) that run off the ledger."""

    def __post_init__(self) -> None:
        if self.contract.name != self.name:
            raise ValueError(f"contract: {self.contract.name!r} in module {self.name!r}")
        unknown = set(self.parts) - set(OUTER_PARTS)
        if unknown:
            raise ValueError(f"parts: {sorted(unknown)} are none of {OUTER_PARTS}")
        clash = {"contract", "queries", *OUTER_PARTS} & set(self.offledger)
        if clash:
            raise ValueError(f"offledger: {sorted(clash)} are the module's pure or outer parts")
