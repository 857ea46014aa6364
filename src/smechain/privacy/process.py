"""The protocols with every party in its own OS process, talking over NATS on loopback.

A session is a folder and a :class:`Plan`. The caller (:func:`run_session`, the
coordinator) writes each party's own inputs to ``<folder>/<name>.in.npz`` (an
owner's partial points, point losses and feature columns; the bank's labels),
starts one process per party (``python -m smechain.privacy.process FOLDER NAME``),
and steps them through the plan: every party subscribes to its own subject and
says ``ready``; for each step the coordinator says ``go`` and waits until every
party says ``done``. Each party writes every message it sends or receives to
``<folder>/<name>.transcript`` (:mod:`.transcript`) and what it learnt to
``<folder>/<name>.out.npz``.

Core NATS (no JetStream): messages are point to point, in order per sender, and
a step starts only when every receiver is subscribed. A message larger than the
server's payload limit travels as numbered frames and is reassembled.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np

from smechain.privacy import he
from smechain.privacy.binning import BinningBank, BinningOptions, BinningOwner
from smechain.privacy.messages import Control, Msg, decode, encode
from smechain.privacy.scoring import (
    OwnerChunk,
    Roles,
    ScoringAggregator,
    ScoringBank,
    ScoringOwner,
)
from smechain.privacy.transcript import Transcript

STEPS = ("binning", "score-shares", "score-he")
COORDINATOR = "coordinator"


class Plan(msgspec.Struct, frozen=True):
    """What every party of a session knows: names, steps and public parameters."""

    url: str
    session: str
    owners: list[str]
    bank: str = "bank"
    aggregators: list[str] = msgspec.field(default_factory=lambda: ["aggregator-1",
                                                                     "aggregator-2"])
    steps: list[str] = msgspec.field(default_factory=lambda: list(STEPS))
    rows: int = 0
    chunk_rows: int = 1_000_000
    key_bits: int = he.KEY_BITS
    max_n_prebins: int = 20
    monotonic_trend: str | None = "auto"
    special_codes: dict[str, list[float]] = msgspec.field(default_factory=dict)
    timeout_s: float = 120.0

    def roles(self) -> Roles:
        agg1, agg2 = self.aggregators
        return Roles(tuple(self.owners), self.bank, (agg1, agg2))

    def options(self) -> BinningOptions:
        return BinningOptions(max_n_prebins=self.max_n_prebins,
                              monotonic_trend=self.monotonic_trend)

    def subject(self, name: str) -> str:
        return f"smechain.privacy.{self.session}.{name}"

    @property
    def parties(self) -> list[str]:
        return [*self.owners, *self.aggregators, self.bank]


class Frame(msgspec.Struct, array_like=True):
    """One piece of an encoded message on the wire."""

    sender: str
    msg_id: int
    part: int
    parts: int
    data: bytes


_frame_encoder = msgspec.msgpack.Encoder()
_frame_decoder = msgspec.msgpack.Decoder(Frame)


class Link:
    """A party's NATS connection: its own subject in, anyone's subject out, all recorded."""

    def __init__(self, plan: Plan, name: str, transcript: Transcript | None) -> None:
        self.plan, self.name, self.transcript = plan, name, transcript
        self._inbox: asyncio.Queue[Msg] = asyncio.Queue()
        self._partial: dict[tuple[str, int], list[bytes]] = {}
        self._next_id = 0

    async def open(self) -> None:
        import nats

        self.nc = await nats.connect(self.plan.url, connect_timeout=5, max_reconnect_attempts=3)
        self._frame = max(1024, min(self.nc.max_payload - 1024, 4 << 20))
        await self.nc.subscribe(self.plan.subject(self.name), cb=self._on_frame,
                                pending_bytes_limit=1 << 30)
        await self.nc.flush()

    async def close(self) -> None:
        await self.nc.drain()

    async def _on_frame(self, raw: object) -> None:
        frame = _frame_decoder.decode(raw.data)  # type: ignore[attr-defined]
        key = (frame.sender, frame.msg_id)
        parts = self._partial.setdefault(key, [])
        parts.append(frame.data)
        if len(parts) < frame.parts:
            return
        data = b"".join(self._partial.pop(key))
        msg = decode(data)
        if msg.receiver != self.name or msg.sender != frame.sender:
            raise ValueError(f"{self.name}: misaddressed {type(msg).__name__}")
        if self.transcript is not None:
            self.transcript.record("received", msg, data)
        await self._inbox.put(msg)

    async def send(self, msgs: Sequence[Msg]) -> None:
        for msg in msgs:
            data = encode(msg)
            if self.transcript is not None:
                self.transcript.record("sent", msg, data)
            self._next_id += 1
            pieces = [data[i: i + self._frame] for i in range(0, len(data), self._frame)] or [b""]
            for i, piece in enumerate(pieces):
                frame = Frame(self.name, self._next_id, i, len(pieces), piece)
                await self.nc.publish(self.plan.subject(msg.receiver), _frame_encoder.encode(frame))
        await self.nc.flush()

    async def receive(self, deadline: float) -> Msg:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"{self.name}: nothing received in time")
        return await asyncio.wait_for(self._inbox.get(), left)


# --- one party --------------------------------------------------------------------------------

def _chunks(plan: Plan, inputs: dict[str, np.ndarray]) -> list[OwnerChunk]:
    losses = inputs.get("losses")
    codes = inputs.get("codes")
    return [OwnerChunk(s, inputs["partials"][s: s + plan.chunk_rows],
                       None if losses is None else losses[s: s + plan.chunk_rows], codes)
            for s in range(0, plan.rows, plan.chunk_rows)]


async def _party(plan: Plan, name: str, folder: Path) -> None:
    inputs_file = folder / f"{name}.in.npz"
    inputs = dict(np.load(inputs_file)) if inputs_file.exists() else {}
    transcript = Transcript(folder / f"{name}.transcript")
    link = Link(plan, name, transcript)
    await link.open()
    out: dict[str, np.ndarray] = {}
    learnt: dict[str, object] = {}
    key = he.BankKey(plan.key_bits) if name == plan.bank else None
    n_chunks = -(-plan.rows // plan.chunk_rows)
    try:
        await link.send([Control(sender=name, receiver=COORDINATOR, word="ready")])
        for _ in plan.steps:
            deadline = time.monotonic() + plan.timeout_s
            go = await link.receive(deadline)
            if not isinstance(go, Control) or go.word != "go":
                raise ValueError(f"{name}: expected go, got {type(go).__name__}")
            step = go.step
            if step == "binning":
                await _binning(plan, name, link, inputs, key, learnt, deadline)
            else:
                await _scoring(plan, name, link, inputs, key, step.removeprefix("score-"),
                               n_chunks, out, deadline)
            await link.send([Control(sender=name, receiver=COORDINATOR, word="done",
                                     step=step)])
    finally:
        np.savez(folder / f"{name}.out.npz", **out)
        (folder / f"{name}.out.json").write_text(json.dumps(learnt))
        await link.close()
        transcript.close()


async def _binning(plan: Plan, name: str, link: Link, inputs: dict[str, np.ndarray],
                   key: he.BankKey | None, learnt: dict[str, object], deadline: float) -> None:
    if name in plan.aggregators:
        return
    if name == plan.bank:
        assert key is not None
        bank = BinningBank(name, inputs["labels"], key, plan.owners, plan.options())
        await link.send(bank.start())
        while len(bank.results) < len(plan.owners):
            await link.send(bank.receive(await link.receive(deadline)))
        learnt["binning"] = {o: {f: {"keep_after": b.keep_after, "woe": b.woe, "iv": b.iv}
                                 for f, b in r.items()} for o, r in bank.results.items()}
        return
    columns = {k.removeprefix("x_"): v for k, v in inputs.items() if k.startswith("x_")}
    owner = BinningOwner(name, columns, plan.options(), plan.special_codes)
    while not owner.merges:
        await link.send(owner.receive(await link.receive(deadline)))
    learnt["binning"] = {f: owner.splits(f).tolist() for f in owner.merges}


async def _scoring(plan: Plan, name: str, link: Link, inputs: dict[str, np.ndarray],
                   key: he.BankKey | None, mode: str, n_chunks: int,
                   out: dict[str, np.ndarray], deadline: float) -> None:
    roles = plan.roles()
    with_reasons = True
    if name in plan.owners:
        owner = ScoringOwner(name, roles, mode)
        if mode == "he":
            await link.send(owner.receive(await link.receive(deadline)))
        await link.send([owner.seed_message()])
        for chunk in _chunks(plan, inputs):
            await link.send(owner.chunk(chunk))
        return
    if name in plan.aggregators:
        agg = ScoringAggregator(name, roles, mode, with_reasons)
        if mode == "he" and name == roles.aggregators[0]:
            await link.send(agg.receive(await link.receive(deadline)))
        elif mode == "he":
            return  # the homomorphic mode needs one aggregator
        expected = n_chunks * (2 if agg.reasons else 1)
        sent = 0
        while sent < expected:
            replies = agg.receive(await link.receive(deadline))
            await link.send(replies)
            sent += len(replies)
        return
    bank = ScoringBank(name, roles, mode, with_reasons, key)
    if mode == "he":
        await link.send(bank.public_keys())
    while len(bank.done) < n_chunks:
        await link.send(bank.receive(await link.receive(deadline)))
    done = [bank.done[s] for s in sorted(bank.done)]
    out[f"totals_{mode}"] = np.concatenate([d.totals for d in done])
    out[f"codes_{mode}"] = np.concatenate([d.codes for d in done if d.codes is not None])


# --- the coordinator --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Session:
    """A finished session's folder: transcripts and what each party wrote."""

    folder: Path
    plan: Plan

    def transcript(self, name: str) -> Path:
        return self.folder / f"{name}.transcript"

    def output(self, name: str) -> dict[str, np.ndarray]:
        return dict(np.load(self.folder / f"{name}.out.npz"))

    def learnt(self, name: str) -> dict[str, object]:
        return json.loads((self.folder / f"{name}.out.json").read_text())


def run_session(folder: Path, plan: Plan, inputs: dict[str, dict[str, np.ndarray]]) -> Session:
    """Run ``plan`` with one process per party; ``inputs[name]`` is what that party holds.

    Raises if a party fails or the session outlasts ``plan.timeout_s``; every process
    started here is stopped (by PID) before this returns.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.json").write_bytes(msgspec.json.encode(plan))
    for name, arrays in inputs.items():
        np.savez(folder / f"{name}.in.npz", **arrays)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    try:
        for name in plan.parties:
            log = (folder / f"{name}.log").open("wb")
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "smechain.privacy.process", str(folder), name],
                stdout=log, stderr=subprocess.STDOUT, env=env)
            log.close()
        asyncio.run(_coordinate(plan, folder, procs))
        for name, proc in procs.items():
            if proc.wait(plan.timeout_s) != 0:
                raise RuntimeError(f"{name} exited {proc.returncode}: "
                                   + (folder / f"{name}.log").read_text()[-2000:])
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    return Session(folder, plan)


async def _coordinate(plan: Plan, folder: Path,
                      procs: dict[str, subprocess.Popen[bytes]]) -> None:
    link = Link(plan, COORDINATOR, Transcript(folder / f"{COORDINATOR}.transcript"))
    await link.open()
    try:
        deadline = time.monotonic() + plan.timeout_s
        await _await_all(link, plan, "ready", "", procs, deadline, folder)
        for step in plan.steps:
            await link.send([Control(sender=COORDINATOR, receiver=p, word="go", step=step)
                             for p in plan.parties])
            await _await_all(link, plan, "done", step, procs, deadline, folder)
    finally:
        await link.close()


async def _await_all(link: Link, plan: Plan, word: str, step: str,
                     procs: dict[str, subprocess.Popen[bytes]], deadline: float,
                     folder: Path) -> None:
    waiting = set(plan.parties)
    while waiting:
        for name, proc in procs.items():
            if proc.poll() is not None and proc.returncode != 0:
                raise RuntimeError(f"{name} exited {proc.returncode}: "
                                   + (folder / f"{name}.log").read_text()[-2000:])
        try:
            msg = await link.receive(min(deadline, time.monotonic() + 1.0))
        except TimeoutError:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no {word} {step} from {sorted(waiting)}") from None
            continue
        if isinstance(msg, Control) and msg.word == word and msg.step == step:
            waiting.discard(msg.sender)


def main(argv: Sequence[str]) -> None:
    folder = Path(argv[0])
    plan = msgspec.json.decode((folder / "plan.json").read_bytes(), type=Plan)
    asyncio.run(_party(plan, argv[1], folder))


if __name__ == "__main__":
    main(sys.argv[1:])
