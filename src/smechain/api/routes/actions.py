"""The custodial action routes, generated from every module's contract.

``POST /v1/contracts/{contract}/{action}`` for each action a module's contract
declares: its body is the action's argument type (``schemas.action_model``),
and the peer signs with the caller's key after a simulation.
"""

# No ``from __future__ import annotations``: FastAPI reads the generated per-action body
# models from the endpoints' real annotations.

from typing import Any

from fastapi import APIRouter, Request

from smechain.api import schemas as s
from smechain.api.deps import Auth, count_submitted, new_router
from smechain.api.errors import ApiError
from smechain.api.platform import Platform
from smechain.core.encoding import shown
from smechain.modules import MODULES


def router(platform: Platform) -> APIRouter:
    """One route per action of every module's contract, in ``MODULES`` order."""
    r = new_router()

    def add_action_route(contract: str, action: str, struct: type) -> None:
        model = s.action_model(struct, s.model_name(contract, struct))

        def endpoint(body: Any, caller: Auth, request: Request,
                     wait: bool = True) -> dict[str, Any]:
            request.state.audit = f"{contract}.{action}"
            args = s.to_args(struct, body.model_dump())
            result = platform.submit_custodial(caller, contract, action, args, wait)
            count_submitted(request)
            request.state.audit += f" tx={result['tx_hash']}"
            return platform.raise_for(result)

        endpoint.__annotations__["body"] = model
        r.post(f"/v1/contracts/{contract}/{action}", response_model=s.TxResult,
               operation_id=f"{contract}_{action}", tags=[f"contract: {contract}"],
               summary=f"{contract}.{action} (custodial)",
               description=(struct.__doc__ or "") + "\n\nSigned by the peer with the "
               "caller's key after a simulation on the committed state; a call that would "
               "fail is refused with the contract's reason and nothing is stored.")(endpoint)

    for module in MODULES:
        for action_name, action in module.contract.actions.items():
            add_action_route(module.name, action_name, action.args_type)

    @r.post("/v1/contracts/{contract}/{action}", include_in_schema=False)
    def unknown(contract: str, action: str) -> None:
        """After every generated route: what no module declares, named."""
        module = next((m for m in MODULES if m.name == contract), None)
        if module is None:
            raise ApiError(404, "not_found", "contract", "contract: no contract "
                           f"{shown(contract)!r} (there are {', '.join(m.name for m in MODULES)})")
        raise ApiError(404, "not_found", "action", f"action: {contract} has no action "
                       f"{shown(action)!r} (it has {', '.join(module.contract.actions)})")

    return r
