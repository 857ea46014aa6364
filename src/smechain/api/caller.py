"""Who is calling: a signed-in account with its organisation's ledger record."""

from __future__ import annotations

from dataclasses import dataclass

from smechain.api.accounts import Account
from smechain.modules.membership.contract import Org

READ_ALL_ROLES = frozenset({"regulator"})
"""Organisation roles that read everything (read-only)."""


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in account with its organisation's ledger record."""

    account: Account
    org: Org

    @property
    def org_id(self) -> str:
        return self.account.org

    @property
    def reads_all(self) -> bool:
        """Regulators see everything, read-only."""
        return bool(READ_ALL_ROLES & set(self.org.roles))

    def may_see(self, orgs: set[str] | frozenset[str]) -> bool:
        """Whether an object concerning ``orgs`` is visible to this caller."""
        return self.reads_all or self.account.org in orgs
