"""``smechain membership``: admit, suspend, readmit and re-key organisations; enrol and
revoke their users' keys."""

from __future__ import annotations

from smechain.cli.common import contract_app
from smechain.modules.membership.contract import CONTRACT

_QUORUM = " (with --cosign the keys of other governing admins, up to the policy's threshold)"

EXAMPLES = {
    "add_org": '{"id": "factor-y", "name": "Factor Y", "roles": ["factor"], '
               '"admin_key": "0x<public key>"}' + _QUORUM,
    "suspend_org": '{"org": "sme-2"}' + _QUORUM,
    "readmit_org": '{"org": "sme-2"}' + _QUORUM,
    "rekey_org": '{"org": "sme-2", "admin_key": "0x<public key>"}' + _QUORUM,
    "enrol_key": '{"public_key": "0x<public key>", "name": "erp"}',
    "revoke_key": '{"public_key": "0x<public key>", "at_height": 0}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Members of the consortium: organisations, their keys and roles.",
                   EXAMPLES)
