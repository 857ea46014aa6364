"""``smechain invoice``: a real e-invoice is anchored by the tax authority, then checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import EXAMPLE, smechain

from shared_data import DATA

DATA = DATA / "einvoice"
SAMPLES = [DATA / "en16931" / "ubl" / "ubl-tc434-example1.xml",
           DATA / "en16931" / "cii" / "CII_example1.xml"]


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    data = tmp_path / "chain"
    code, out = smechain("init", "--config", EXAMPLE, "--data", data)
    assert code == 0, out
    return data


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_import_anchor_and_verify(chain: Path, tmp_path: Path, sample: Path) -> None:
    if not sample.exists():
        pytest.skip(f"{sample} not present")
    code, out = smechain("invoice", "import", sample, "--data", chain, "--key",
                         chain / "keys" / "tax.key")
    assert code == 0, out
    code, out = smechain("invoice", "verify", sample, "--data", chain)
    assert code == 0 and "matches the anchor" in out, out
    edited = tmp_path / sample.name  # one byte more: still the same invoice, not the file
    edited.write_bytes(sample.read_bytes() + b"\n")
    code, out = smechain("invoice", "verify", edited, "--data", chain)
    assert code == 1 and "does not match" in out


def test_only_the_tax_authority_anchors(chain: Path) -> None:
    sample = SAMPLES[0]
    if not sample.exists():
        pytest.skip(f"{sample} not present")
    code, out = smechain("invoice", "import", sample, "--data", chain, "--key",
                         chain / "keys" / "sme-1.key")
    assert code == 2 and "error: --key: " in out and "unauthorised" in out
    code, out = smechain("invoice", "verify", sample, "--data", chain)
    assert code == 1 and "not anchored" in out


def test_import_without_chain_prints_the_anchor() -> None:
    sample = SAMPLES[1]
    if not sample.exists():
        pytest.skip(f"{sample} not present")
    code, out = smechain("invoice", "import", sample)
    assert code == 0
    doc = json.loads(out)
    a = doc["anchor"]
    assert a["net_amount"] + a["tax_amount"] == a["total_amount"]


def test_bad_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.xml"
    bad.write_text("not xml at all")
    code, out = smechain("invoice", "import", bad)
    assert code == 1 and "x.xml" in out


@pytest.mark.parametrize("make", ["directory", "missing", "endless"])
def test_invoice_file_that_cannot_be_read_is_an_error_naming_it(tmp_path: Path, chain: Path,
                                                                 make: str) -> None:
    path = {"directory": tmp_path, "missing": tmp_path / "nope.xml",
            "endless": Path("/dev/zero")}[make]
    for command in (["invoice", "import", path],
                    ["invoice", "verify", path, "--data", chain]):
        code, out = smechain(*command)
        assert code != 0 and "Traceback" not in out
        assert "FILE" in out
