"""The portal's manifest: each module's views, messages and events, as the server serves them.

The page itself is driven in ``test_portal.py``; here the manifest is read over HTTP from
an application with only the portal and its security headers mounted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from smechain.api.headers import add_security_headers
from smechain.modules import CONTRACTS, MODULES
from smechain.modules.parts import folder
from smechain.web import mount_portal
from smechain.web.manifest import STATIC_DIR, add_messages, portal_folders

PORTAL_MODULES = [m for m in MODULES if "portal" in m.parts]
SHELL_MESSAGE = re.compile(r'^  "([^"]+)": ', re.M)


@pytest.fixture(scope="module")
def http() -> Iterator[TestClient]:
    app = FastAPI()
    add_security_headers(app)
    mount_portal(app)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def served(http: TestClient) -> dict[str, Any]:
    r = http.get("/portal/manifest.json")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-cache"
    return dict(r.json())


def declared(module_name: str) -> dict[str, Any]:
    path = folder(next(m for m in MODULES if m.name == module_name)) / "portal" / "manifest.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def messages_of(module_name: str) -> dict[str, dict[str, str]]:
    path = folder(next(m for m in MODULES if m.name == module_name)) / "portal" / "messages.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def shell_messages() -> set[str]:
    return set(SHELL_MESSAGE.findall((STATIC_DIR / "i18n.js").read_text(encoding="utf-8")))


def test_every_module_with_a_portal_folder_declares_the_part() -> None:
    with_folder = {m.name for m in MODULES if (folder(m) / "portal" / "manifest.json").is_file()}
    assert with_folder == {m.name for m in PORTAL_MODULES}
    assert {"receivable", "invoice", "cash", "membership"} <= with_folder


def test_the_served_manifest_lists_every_module_view_from_its_folder(
        http: TestClient, served: dict[str, Any]) -> None:
    by_id = {view["id"]: view for view in served["views"]}
    for module in PORTAL_MODULES:
        for view in declared(module.name).get("views", []):
            listed = by_id[view["id"]]
            assert listed["module"] == module.name
            assert listed["script"] == f"/portal/modules/{module.name}/views.js"
            assert (folder(module) / "portal" / "views.js").is_file()
    # Every item's script is a file the server answers, from the module's folder or the shell's.
    for item in [*served["views"], *served["panels"], *served["links"], *served["listeners"]]:
        r = http.get(item["script"])
        assert r.status_code == 200, item
        assert "javascript" in r.headers["content-type"], item
        assert "script-src 'self'" in r.headers["content-security-policy"]
    orders = [view["order"] for view in served["views"]]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert [m["name"] for m in served["modules"]] == [m.name for m in PORTAL_MODULES]


def test_the_served_manifest_keeps_each_role_s_views_and_home(served: dict[str, Any]) -> None:
    """The menu every kind of organisation had before the views moved to their modules, with
    the views that give every action a person takes a control (cash, guarantees, governance)."""
    def menu(*roles: str) -> list[str]:
        return [v["id"] for v in served["views"]
                if any(r == "*" or r in roles for r in v["roles"])]

    assert menu("sme") == ["overview", "invoices", "certificates", "offers", "payments", "cash",
                           "consents", "credit-reports", "products-matched", "loans",
                           "export-records", "my-declarations", "bills-of-lading", "calendar",
                           "receipts"]
    assert menu("core_enterprise") == ["overview", "confirm", "outstanding", "cash",
                                       "my-declarations", "calendar", "receipts"]
    assert menu("factor") == ["overview", "market", "portfolio", "overdue", "cash", "calendar",
                              "receipts"]
    assert menu("bank") == [*menu("factor")[:-2], "received-consents", "credit-models",
                            "bank-products", "loan-queue", "loan-portfolio", "pledges",
                            "export-records", "bills-of-lading", "calendar", "receipts"]
    assert menu("guarantor") == ["overview", "guarantees", "cash", "calendar"]
    assert menu("cash_issuer") == ["overview", "cash", "issuance", "calendar"]
    assert menu("tax_authority") == ["overview", "anchor", "attested", "calendar"]
    assert menu("market_regulator") == menu("court") == ["overview", "attested", "calendar"]
    assert menu("warehouse") == ["overview", "calendar", "warehouse-receipts"]
    assert menu("carrier") == ["overview", "bills-issued", "calendar"]
    assert menu("customs") == ["overview", "attested", "export-records", "customs-declarations",
                               "calendar"]
    assert menu("regulator") == ["overview", "model-registry", "explorer", "lending", "stats",
                                 "all-declarations", "calendar", "audit"]
    assert menu("admin") == ["overview", "governance", "calendar", "users", "keys", "apikeys",
                             "audit"]
    # A role lands on the first view, in menu order, that names it.
    homes = {role: view["id"] for view in reversed(served["views"])
             for role in view.get("home", [])}
    assert homes == {"sme": "certificates", "core_enterprise": "confirm", "bank": "market",
                     "factor": "market", "guarantor": "guarantees", "cash_issuer": "issuance",
                     "tax_authority": "anchor", "regulator": "explorer",
                     "warehouse": "warehouse-receipts", "carrier": "bills-issued",
                     **{role: "attested" for role in ("market_regulator", "social_insurance",
                                                       "customs", "ip_office", "court",
                                                       "utility")}}


def test_each_view_s_actions_are_contract_actions_with_a_control(served: dict[str, Any]) -> None:
    for view in served["views"]:
        for action in view["actions"]:
            contract, name = action.split(".")
            assert name in CONTRACTS[contract].actions, (view["id"], action)
            place = (STATIC_DIR / "views" if view["module"] is None else
                     folder(next(m for m in MODULES if m.name == view["module"])) / "portal")
            sources = "".join(p.read_text(encoding="utf-8") for p in place.glob("*.js"))
            # Spelt out, or built from the action's name (a vote carries its proposal's action).
            assert f'"{action}"' in sources or f'`{contract}.${{' in sources, (view["id"], action)


def test_a_module_s_messages_have_the_same_keys_in_zh_and_en() -> None:
    shell = shell_messages()
    assert {"login.submit", "view.overview", "status.open"} <= shell
    for module in PORTAL_MODULES:
        messages = messages_of(module.name)
        assert set(messages) == {"en", "zh"}, module.name
        assert messages["en"].keys() == messages["zh"].keys(), module.name
        assert all(messages[lang][key].strip() for lang in messages for key in messages[lang])
        assert not messages["en"].keys() & shell, f"{module.name} repeats the shell's messages"
        assert f"contract.{module.name}" in messages["en"]
        for view in declared(module.name).get("views", []):
            assert view["key"] in messages["en"], (module.name, view["key"])


def test_the_served_messages_are_every_module_s(served: dict[str, Any]) -> None:
    for lang in ("en", "zh"):
        expected: dict[str, str] = {}
        for module in PORTAL_MODULES:
            expected.update(messages_of(module.name)[lang])
        assert served["messages"][lang] == expected
    assert served["messages"]["zh"]["view.certificates"] == "债权凭证"


def test_a_message_key_two_modules_declare_is_refused() -> None:
    merged = {"en": {"cert.id": "Certificate"}, "zh": {"cert.id": "凭证编号"}}
    with pytest.raises(ValueError, match=r"cert\.id"):
        add_messages(merged, {"en": {"cert.id": "Id"}, "zh": {"cert.id": "编号"}}, "other")


def test_the_served_events_are_every_module_s_and_the_shell_s(served: dict[str, Any]) -> None:
    expected: list[str] = []
    for place in portal_folders():
        document = json.loads((place.directory / "manifest.json").read_text(encoding="utf-8"))
        expected += document.get("events", [])
    assert served["events"] == expected
    assert {"CertificateSplit", "InvoiceDiluted", "Issued", "OrgAdded",
            "TxCommitted"} <= set(expected)
    assert len(set(expected)) == len(expected)


def test_module_folders_are_served_only_below_their_portal_folder(http: TestClient) -> None:
    receivable = next(m for m in MODULES if m.name == "receivable")
    assert (folder(receivable) / "contract.py").is_file()
    assert http.get("/portal/modules/receivable/manifest.json").status_code == 200
    assert http.get("/portal/modules/receivable/contract.py").status_code == 404
