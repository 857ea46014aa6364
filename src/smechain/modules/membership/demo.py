"""Membership's part of the demo: today two of the three governing admins admit a new
factor (``ids["proposal_vote"]``)."""

from __future__ import annotations

from smechain.api.accounts import Role
from smechain.api.demo import DemoBuilder, Seed
from smechain.node.keys import generate_key


def seed(demo: DemoBuilder) -> Seed:
    """The regulator proposes Factor Y, Bank A approves (see ``smechain.api.demo.Seed``)."""
    yield 0
    newcomer = {"id": "factor-y", "name": "Factor Y 新保理", "roles": ["factor"],
                "admin_key": generate_key(demo.node.suite.name).public.hex()}
    vote = demo.propose("regulator", "membership", "add_org", newcomer, ["bank-a"],
                        role=Role.ADMIN)
    demo.approve("bank-a", vote, role=Role.ADMIN)
    demo.ids["proposal_vote"] = vote
