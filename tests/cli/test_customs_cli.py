"""``smechain customs``: customs imports a real WCO declaration file and its exporter's
organisation, shows it, and every bad input exits naming the option or the element."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import EXAMPLE, smechain

from smechain.modules.customs.contract import CONTRACT
from smechain.modules.customs.demo import SAMPLE

MRN = "24GBDIRIGZ7QLCPAA8"


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    config = tmp_path / "consortium.toml"
    config.write_text(EXAMPLE.read_text() + '\n[[orgs]]\nid = "customs"\nname = "Customs"\n'
                      'roles = ["customs"]\n')
    data = tmp_path / "chain"
    code, out = smechain("init", "--config", config, "--data", data)
    assert code == 0, out
    return data


def test_import_prints_what_the_file_is_and_the_arguments() -> None:
    code, out = smechain("customs", "import", SAMPLE, "--mrn", MRN, "--exporter-org", "sme-1")
    assert code == 0, out
    doc = json.loads(out)
    assert (doc["function"], doc["action"], doc["value"], doc["currency"]) == (
        "original", "register", 950_000, "GBP")
    assert doc["args"]["id"] == MRN and doc["args"]["digest"].startswith("0x")
    code, out = smechain("customs", "import", SAMPLE)
    assert code == 2 and "error: --mrn: the declaration carries no MRN" in out
    code, out = smechain("customs", "import", SAMPLE, "--mrn", "24GBDIRIGZ7QLCPAA0")
    assert code == 2 and "error: --mrn: " in out and "check digit is 8" in out


def test_customs_registers_the_file_and_shows_it(chain: Path) -> None:
    key = chain / "keys" / "customs.key"
    code, out = smechain("customs", "import", SAMPLE, "--data", chain, "--key", key, "--mrn",
                         MRN, "--exporter-org", "sme-1")
    assert code == 0, out
    code, out = smechain("customs", "show", MRN, "--data", chain)
    assert code == 0, out
    decl = json.loads(out)
    assert (decl["status"], decl["exporter_org"], decl["value"], decl["unlent_value"]) == (
        "registered", "sme-1", 950_000, 950_000)
    # the same file again, and a bank as the exporter: refused before signing, naming why
    code, out = smechain("customs", "import", SAMPLE, "--data", chain, "--key", key, "--mrn",
                         "24GB0YVJ3EXXES8AA0", "--exporter-org", "sme-1")
    assert code == 2 and "digest" in out and "already registered" in out
    code, out = smechain("customs", "import", SAMPLE, "--data", chain, "--key",
                         chain / "keys" / "sme-1.key", "--mrn", "24GB0YVJ3EXXES8AA0",
                         "--exporter-org", "sme-1")
    assert code == 2 and "error: --key: " in out and "unauthorised" in out
    code, out = smechain("customs", "show", "NOSUCH", "--data", chain)
    assert code == 2 and "MRN: no declaration 'NOSUCH'" in out


def test_a_bad_file_exits_naming_the_element(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(SAMPLE.read_bytes().replace(b'currencyID="GBP">9500<',
                                                b'currencyID="JPY">9500.5<', 1))
    code, out = smechain("customs", "import", bad, "--mrn", MRN)
    assert code == 1
    assert f"error: FILE: {bad}: /MetaData/Declaration/InvoiceAmount: 9500.5 JPY has more " \
           "decimals than JPY's 0" in " ".join(out.split())
    code, out = smechain("customs", "import", tmp_path / "missing.xml")
    assert code == 2 and "FILE: " in out and "no such file" in out


def test_every_action_summary_is_a_sentence_without_markup() -> None:
    for name, action in CONTRACT.actions.items():
        summary = (action.handler.__doc__ or "").splitlines()[0]
        assert summary.endswith("."), (name, summary)
        assert "``" not in summary, (name, summary)
        code, out = smechain("customs", name.replace("_", "-"), "--help")
        assert code == 0 and summary.split(";")[0].split(",")[0] in " ".join(out.split())
