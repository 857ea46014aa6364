"""Every module's SDK part: an SDK method for each action of its contract, sending the
action's route with the action's fields, and the ledger form of what it signs here."""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import pytest

import smechain.client
from smechain.api.demo import PASSWORD
from smechain.client import Client, Forbidden, ModuleSdk
from smechain.client.actions import module_sdks
from smechain.core.encoding import plain
from smechain.core.module import Module
from smechain.modules import MODULES
from smechain.modules.product.catalogue import product_terms
from smechain.modules.receivable import sdk as receivable_sdk

from .conftest import Net, anchor_invoice

ACTIONS = [(m, a) for m in MODULES for a in m.contract.actions]
SAMPLES_BY_TYPE: dict[Any, Any] = {"str": "sdk-probe", "int": 1, "bool": True}
SAMPLES_BY_NAME: dict[str, Any] = {
    "public_key": bytes(32), "admin_key": bytes(32), "digest": bytes(32),
    "roles": ["sme"], "amounts": [1, 2], "invoices": [("sdk-probe/1", 1)],
    "categories": ["tax"], "artefact_digest": bytes(32), "result_digest": bytes(32),
    "input_digests": [bytes(32)], "band_cutoffs": [500, 600], "months": [3, 6, 9, 12],
    "wallets": ["sdk-probe"], "reason_codes": ["SDK_PROBE"], "goods_items": [{"sequence": 1}],
}
"""Arguments of types JSON has no literal for, by parameter name."""
SAMPLES_BY_ACTION: dict[str, Any] = {
    "credit.register_model.categories": [{"category": "tax", "features": ["sdk_probe"]}],
    "product.publish.terms": plain(product_terms(1)[0]),
    "product.revise.terms": plain(product_terms(1)[0]),
    "loan.recover.source": "collection",
    "bill_of_lading.issue.document": {"reference": "SDK-PROBE", "to_order": True,
                                      "digest": bytes(32).hex(), "carrier_code": "SDKP",
                                      "shipped_on_board_date": "2026-03-02"},
    "bill_of_lading.surrender.kind": "delivery",
    "calendar.set_year.year": 2026,
    "calendar.set_year.holidays": [{"date": "2026-01-01", "name": "new_years_day"}],
    "calendar.set_year.working_days": [{"date": "2026-01-04", "name": "new_years_day"}],
}
"""Arguments whose name another action gives another type, by ``module.action.name``."""


def _id(case: tuple[Module, str]) -> str:
    return f"{case[0].name}.{case[1]}"


class Recording(httpx.BaseTransport):
    """The network, keeping each request it carries (the server is real)."""

    def __init__(self) -> None:
        self.network = httpx.HTTPTransport()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.network.handle_request(request)

    def close(self) -> None:
        self.network.close()


def sdk_fields(method: Callable[..., Any], sdk: ModuleSdk) -> dict[str, inspect.Parameter]:
    """The action's fields an SDK method takes, by their name on the wire."""
    return {sdk.wire_names.get(name, name): p
            for name, p in inspect.signature(method).parameters.items() if name != "wait"}


def sample(param: inspect.Parameter, action: str = "") -> Any:
    if f"{action}.{param.name}" in SAMPLES_BY_ACTION:
        return SAMPLES_BY_ACTION[f"{action}.{param.name}"]
    if param.default is not inspect.Parameter.empty:
        return param.default
    if param.name in SAMPLES_BY_NAME:
        return SAMPLES_BY_NAME[param.name]
    return SAMPLES_BY_TYPE[param.annotation]


def test_every_module_has_its_sdk_part() -> None:
    with Client("http://unused") as client:
        for module in MODULES:
            assert "sdk" in module.parts
            sdk = getattr(client, module.name)
            assert isinstance(sdk, module_sdks()[module.name]) and sdk.module == module.name


@pytest.mark.parametrize("case", ACTIONS, ids=_id)
def test_every_action_has_an_sdk_method_taking_its_fields(case: tuple[Module, str]) -> None:
    module, action = case
    with Client("http://unused") as client:
        sdk = getattr(client, module.name)
        method = getattr(sdk, action, None)
        assert callable(method), f"no SDK method client.{module.name}.{action}"
        struct = module.contract.actions[action].args_type
        fields = {f.name: f for f in msgspec.structs.fields(struct)}
        taken = sdk_fields(method, sdk)
        assert set(taken) == set(fields)
        assert all(p.annotation is not inspect.Parameter.empty for p in taken.values())
        assert "wait" in inspect.signature(method).parameters
        # The SDK asks for no field the contract can do without (and may default others).
        assert {n for n, p in taken.items() if p.default is inspect.Parameter.empty} <= {
            n for n, f in fields.items() if f.required}


@pytest.mark.parametrize("case", ACTIONS, ids=_id)
def test_an_sdk_action_posts_its_route_with_its_fields(net: Net, case: tuple[Module, str]
                                                       ) -> None:
    """A viewer's call reaches the real API, passes its strict validation of the action's
    body (a bad field would be 422), and is refused only for the viewer's role."""
    module, action = case
    recording = Recording()
    with Client.login(net.url, "sme-t1", "viewer", PASSWORD, transport=recording) as client:
        sdk = getattr(client, module.name)
        method = getattr(sdk, action)
        params = {name: p for name, p in inspect.signature(method).parameters.items()
                  if name != "wait"}
        args = {name: sample(p, f"{module.name}.{action}") for name, p in params.items()}
        with pytest.raises(Forbidden) as refused:
            method(**args)
    assert refused.value.field == "role"
    sent = recording.requests[-1]
    assert (sent.method, sent.url.path) == ("POST", f"/v1/contracts/{module.name}/{action}")
    assert sent.url.params["wait"] == "true"
    body = json.loads(sent.content)
    struct = module.contract.actions[action].args_type
    assert set(body) == {f.name for f in msgspec.structs.fields(struct)}
    for name, value in args.items():
        if type(value) in (str, int, bool) or value is None:
            assert body[sdk.wire_names.get(name, name)] == value, name


def _needs_ledger_form(annotation: Any) -> bool:
    """Whether a field's JSON form differs from its ledger form: binary, or a record the
    ledger stores as an array, or a list or record holding one."""
    if annotation is bytes:
        return True
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        hints = typing.get_type_hints(annotation)
        return bool(annotation.__struct_config__.array_like) or any(
            _needs_ledger_form(hints[f.name]) for f in msgspec.structs.fields(annotation))
    return any(_needs_ledger_form(a) for a in typing.get_args(annotation))


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_sdk_parts_know_the_ledger_form_of_their_actions(module: Module) -> None:
    """``Signer`` converts exactly the fields whose JSON and ledger forms differ."""
    forms = module_sdks()[module.name].ledger_forms
    assert set(forms) <= set(module.contract.actions)
    for name, act in module.contract.actions.items():
        hints = typing.get_type_hints(act.args_type)
        assert set(forms.get(name, {})) == {f for f, t in hints.items()
                                            if _needs_ledger_form(t)}, name


def test_old_top_level_names_are_the_modules_own() -> None:
    with Client("http://unused") as client:
        for module, sdk in module_sdks().items():
            for name in sdk.shortcuts:
                assert getattr(client, name) == getattr(getattr(client, module), name)
        assert client.certificate == client.receivable.certificate
        assert client.balances == client.cash.balances
    assert smechain.client.Certificate is receivable_sdk.Certificate
    assert smechain.client.Backing is receivable_sdk.Backing
    assert {"Certificate", "Invoice", "Org", "Balances"} <= set(dir(smechain.client))
    with pytest.raises(AttributeError):
        _ = smechain.client.NoSuchRecord


def test_two_party_and_governed_actions_reach_their_contract(net: Net) -> None:
    """Called by one party alone, they are refused for the missing signatures, by the
    ledger's rules, and nothing is stored."""
    inv = anchor_invoice(net.login("tax-sh"), "sme-t1", "core-a", 90_000)
    t1 = net.login("sme-t1")
    cert = t1.receivable.issue([(inv, 90_000)], "core-a", "CNY", net.day(90)
                               ).event("CertificateRequested").attrs["id"]
    net.login("core-a").receivable.confirm(cert)
    height = t1.health().height
    with pytest.raises(Forbidden) as sold:
        t1.receivable.sell(cert, "bank-a", 300)
    assert (sold.value.code, sold.value.field) == ("unauthorised", "buyer")
    assert "must co-sign" in sold.value.message
    with pytest.raises(Forbidden) as guaranteed:
        t1.receivable.guarantee(cert, "guar-g", 100)
    assert (guaranteed.value.code, guaranteed.value.field) == ("unauthorised", "guarantor")
    with pytest.raises(Forbidden) as suspended:
        net.login("bank-a", "admin").membership.suspend_org("sme-t4")
    assert suspended.value.code == "unauthorised"
    assert "governing organisations" in suspended.value.message
    assert t1.certificate(cert).certificate.holder == "sme-t1"
    assert t1.health().height == height
