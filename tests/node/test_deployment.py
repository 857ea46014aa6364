"""A consortium set up as on separate hosts, from what ``smechain init`` writes.

``init --nats-server`` writes the consortium CA, each organisation's and the
operator's certificate and NKey, each server's folder (``nats.conf`` naming
its files relative to the folder) and the operator's ``ordering.toml``. Here
the one server runs from its folder, the operator sets the chain up with
``smechain ordering setup``, and two organisations' peers, each configured
with only its own ``[nats]`` files, start and agree; a member's credentials
still cannot append a block.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smechain.cli.main import app
from smechain.node.peer import Peer, PeerConfig
from smechain.ordering.jetstream import Names, NatsLink
from smechain.ordering.natsserver import free_port, nats_server_binary

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "consortium.toml"


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "smechain.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    work = tmp_path_factory.mktemp("deploy") / "genesis-work"
    port = free_port()
    made = CliRunner().invoke(app, ["init", "--config", str(EXAMPLE), "--data", str(work),
                                    "--cutters", "1", "--nats-server", f"127.0.0.1:{port}"])
    assert made.exit_code == 0, made.output
    server = subprocess.Popen([nats_server_binary(), "-c", "nats.conf"], cwd=work / "nats-1",
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield work, f"nats://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


def peer_config(work: Path, url: str, org: str, cutter: bool) -> PeerConfig:
    folder = work.parent / f"peer-{org}"
    folder.mkdir(exist_ok=True)
    access = work / "access"
    lines = [f'org = "{org}"', 'data = "."', f'servers = ["{url}"]',
             f'org_key = "{work}/keys/{org}.key"', f'genesis = "{work}/genesis.block"',
             'verify_workers = 0', 'synchronous = "NORMAL"']
    if cutter:
        lines.append(f'orderer_key = "{work}/keys/orderer.key"')
    lines += ["[nats]", f'ca = "{access}/ca.pem"', f'cert = "{access}/{org}.pem"',
              f'key = "{access}/{org}-key.pem"', f'seed = "{access}/{org}.nk"']
    (folder / "peer.toml").write_text("\n".join(lines) + "\n")
    return PeerConfig.load(folder / "peer.toml")


def test_init_writes_each_servers_folder_and_the_operators_config(
    deployed: tuple[Path, str]
) -> None:
    work, url = deployed
    assert sorted(p.name for p in (work / "nats-1").iterdir()) == [
        "ca.pem", "nats.conf", "server.key", "server.pem"]
    orgs = ["bank-a", "core-a", "pboc", "regulator", "sme-1", "sme-2", "tax"]
    for name in [*orgs, "operator"]:
        for file in (f"{name}.pem", f"{name}-key.pem", f"{name}.nk"):
            assert (work / "access" / file).exists()
    assert url in (work / "ordering.toml").read_text()


def test_peers_start_only_once_the_operator_has_set_the_chain_up(
    deployed: tuple[Path, str]
) -> None:
    work, url = deployed
    regulator = peer_config(work, url, "regulator", cutter=True)
    with pytest.raises(Exception, match="ordering setup"):
        Peer.open(regulator)
    for _ in range(2):  # idempotent
        done = run("ordering", "setup", "--config", work / "ordering.toml")
        assert done.returncode == 0, done.stderr
        assert "streams and block 0 ready" in done.stdout

    cutter = Peer.open(regulator).start()
    try:
        member = Peer.open(peer_config(work, url, "bank-a", cutter=False)).start()
        try:
            deadline = time.monotonic() + 20
            while cutter.role != "cutter" and time.monotonic() < deadline:
                time.sleep(0.1)
            assert (cutter.role, member.role) == ("cutter", "peer")
            assert member.catch_up()
            assert member.head == cutter.head
        finally:
            member.close()
    finally:
        cutter.close()

    # bank-a cuts no blocks: its credentials cannot append one.
    config = peer_config(work, url, "bank-a", cutter=False)
    link = NatsLink([url], name="bank-a", identity=config.nats)
    try:
        async def append() -> None:
            await asyncio.wait_for(link.js.publish(Names("smechain-demo").blocks_subject,
                                                   b"a block"), 2)

        with pytest.raises(asyncio.TimeoutError):
            link.call(append())
    finally:
        link.close()


def test_ordering_setup_names_an_unusable_credential(
    deployed: tuple[Path, str], tmp_path: Path
) -> None:
    work, _ = deployed
    text = (work / "ordering.toml").read_text().replace('"access/', f'"{work}/access/')
    text = text.replace(f"{work}/access/operator.nk", str(tmp_path / "missing.nk"))
    text = text.replace('genesis = "genesis.block"', f'genesis = "{work}/genesis.block"')
    (tmp_path / "ordering.toml").write_text(text)
    done = run("ordering", "setup", "--config", tmp_path / "ordering.toml")
    assert done.returncode != 0
    assert "nats.seed" in done.stderr and "missing.nk" in done.stderr
    assert "Traceback" not in done.stderr
