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
