"""``smechain consent`` and ``smechain credit``: grant a consent, register a model, attest
a computation, list them; a computation without consent is refused before signing."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from test_cli import EXAMPLE, smechain


def test_consent_and_credit_commands(tmp_path: Path) -> None:
    data = tmp_path / "chain"
    assert smechain("init", "--config", EXAMPLE, "--data", data)[0] == 0
    keys = data / "keys"

    def run(module: str, command: str, key: str, args: dict[str, Any]) -> tuple[int, str]:
        return smechain(module, command, "--data", data, "--key", keys / f"{key}.key",
                        "--args", json.dumps(args))

    until = int(time.time() * 1000) + 90 * 86_400_000
    code, out = run("consent", "grant", "sme-1", {"bank": "bank-a", "categories": ["tax"],
                                                  "purpose": "credit_assessment",
                                                  "until_ms": until})
    assert code == 0, out
    consent_id = json.loads(out)["receipt"]["events"][0]["attrs"]["id"]
    code, out = run("credit", "register-model", "bank-a", {
        "model_version": "sba-2026.12-1", "kind": "scorecard",
        "artefact_digest": "0x" + hashlib.sha256(b"model").hexdigest(),
        "categories": [{"category": "tax", "features": ["vat_paid_12m"]}], "base_score": 600,
        "base_odds_good": 50, "base_odds_bad": 1, "pdo": 20, "band_cutoffs": [550, 650]})
    assert code == 0, out
    attest = {"consent_id": consent_id, "model_version": "sba-2026.12-1", "category": "tax",
              "input_digests": ["0x" + "11" * 32], "result_digest": "0x" + "22" * 32,
              "kind": "partial_score"}
    code, out = run("credit", "attest", "tax", attest)
    assert code == 0, out
    # under a consent that does not exist: refused naming the field, nothing signed
    code, out = run("credit", "attest", "tax", {**attest, "consent_id": "0" * 32})
    assert code == 2 and "error: --args.consent_id" in out and "no consent" in out, out
    code, out = smechain("consent", "list", "sme-1", "--data", data, "--role", "sme")
    assert code == 0, out
    (listed,) = json.loads(out)
    assert (listed["consent"]["id"], listed["standing"]) == (consent_id, "live")
    code, out = smechain("credit", "models", "--data", data)
    assert code == 0, out
    assert [m["model"]["version"] for m in json.loads(out)] == ["sba-2026.12-1"]


def test_generate_and_train_write_stores_and_a_model_whose_digest_is_printed(
        tmp_path: Path) -> None:
    folder = tmp_path / "owners"
    code, out = smechain("credit", "generate", "--folder", folder, "--orgs", "6000",
                         "--seed", "5")
    assert code == 0, out
    made = json.loads(out)
    assert made["organisations"] == 6000 and made["rows"]["market_regulation"] == 6000
    assert {p.name for p in folder.glob("*.sqlite")} >= {"tax.sqlite", "bank.sqlite"}
    model = tmp_path / "gov-1.json"
    code, out = smechain("credit", "train", "--folder", folder, "--out", model,
                         "--version", "gov-1")
    assert code == 0, out
    trained = json.loads(out)
    assert trained["artefact_digest"] == hashlib.sha256(model.read_bytes()).hexdigest()
    assert trained["metrics"]["test"]["auc"] > 0.7


def test_generate_and_train_refuse_bad_arguments_naming_them(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    tiny = tmp_path / "tiny"
    assert smechain("credit", "generate", "--folder", tiny, "--orgs", "300")[0] == 0
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    m = tmp_path / "m.json"
    for args, field in (
            (("generate", "--folder", tmp_path / "g", "--orgs", "0"), "--orgs"),
            (("generate", "--folder", a_file, "--orgs", "10"), "--folder"),
            (("generate", "--folder", a_file / "sub", "--orgs", "10"), "--folder"),
            (("generate", "--folder", "/proc/smechain-test", "--orgs", "10"), "--folder"),
            (("generate", "--folder", busy, "--orgs", "10"), "--folder"),
            (("generate", "--folder", tmp_path / "g", "--seed", "-1"), "--seed"),
            (("train", "--data", "nope", "--out", m), "--data"),
            (("train", "--out", m), "--folder"),
            (("train", "--folder", tmp_path / "none", "--out", m), "--folder"),
            (("train", "--folder", a_file, "--out", m), "--folder"),
            (("train", "--folder", tiny, "--out", m), "--folder"),
            (("train", "--folder", tiny, "--out", m, "--version", "../x"), "--version"),
            (("train", "--folder", tiny, "--out", m, "--version", ""), "--version"),
            (("train", "--data", "german", "--folder", tiny, "--out", m), "--folder"),
            (("train", "--folder", tiny, "--out", m, "--rows", "10"), "--rows"),
            (("train", "--folder", tiny, "--out", tmp_path / "no" / "m.json"), "--out"),
            (("train", "--folder", tiny, "--out", tmp_path), "--out")):
        code, out = smechain("credit", *args)
        assert code == 2, (args, out)
        assert f"{field}:" in out and "Traceback" not in out, (args, out)
    assert not (tmp_path / "g").exists() and not m.exists() and not (tmp_path / "no").exists()
    assert (busy / "notes.txt").read_text() == "mine" and len(list(busy.iterdir())) == 1
