"""``client.membership``: organisations and their keys through the SDK."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from smechain.client.actions import Binary, LedgerForms, ModuleSdk, action, binary
from smechain.client.http import segment
from smechain.client.models import TxResult, from_json

__all__ = ["MembershipSdk", "Org"]


@dataclass(frozen=True, slots=True)
class Org:
    """A member organisation."""

    id: str
    name: str
    roles: tuple[str, ...]
    status: str
    admin_key: str


class MembershipSdk(ModuleSdk):
    """Member organisations and their keys (signed with the organisation's admin key: org
    admins only). Governance actions (``add_org``, ``suspend_org``, ``readmit_org``,
    ``rekey_org``) need a quorum of governing admins: propose them (``Client.propose``) or
    sign them with all the keys (``Signer.sign(..., cosigners=...)``)."""

    wire_names: ClassVar[Mapping[str, str]] = {"org_id": "id"}
    ledger_forms: ClassVar[LedgerForms] = {
        "add_org": {"admin_key": binary},
        "rekey_org": {"admin_key": binary},
        "enrol_key": {"public_key": binary},
        "revoke_key": {"public_key": binary},
    }
    shortcuts = ("orgs", "org")

    @action
    def add_org(self, org_id: str, name: str, roles: list[str], admin_key: Binary, *,
                wait: bool = True) -> TxResult:
        """``membership.add_org``: admit an organisation with ``roles`` and its admin key."""

    @action
    def suspend_org(self, org: str, *, wait: bool = True) -> TxResult:
        """``membership.suspend_org``: the organisation's keys stop signing."""

    @action
    def readmit_org(self, org: str, *, wait: bool = True) -> TxResult:
        """``membership.readmit_org``: a suspended organisation signs again."""

    @action
    def rekey_org(self, org: str, admin_key: Binary, *, wait: bool = True) -> TxResult:
        """``membership.rekey_org``: replace an organisation's admin key."""

    @action
    def enrol_key(self, public_key: Binary, name: str, *, wait: bool = True) -> TxResult:
        """``membership.enrol_key``: let ``public_key`` sign for the organisation (e.g. a
        system's own key for non-custodial transactions)."""

    @action
    def revoke_key(self, public_key: Binary, at_height: int = 0, *,
                   wait: bool = True) -> TxResult:
        """``membership.revoke_key``: stop a key signing from ``at_height`` (0: now)."""

    def orgs(self) -> list[Org]:
        """``GET /v1/orgs``: every member organisation."""
        return [from_json(Org, o) for o in self._get("/v1/orgs")]

    def org(self, org_id: str) -> Org:
        """``GET /v1/orgs/{id}``."""
        return from_json(Org, self._get(f"/v1/orgs/{segment(org_id)}"))


SDK = MembershipSdk
