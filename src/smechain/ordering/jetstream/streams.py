"""The operator's setup of a chain: its three streams, the cutters' lease bucket, block 0."""

from __future__ import annotations

import dataclasses

import nats.js.errors
from nats.js import api

from smechain.ordering.abc import Superseded
from smechain.ordering.jetstream.blocklog import BlockLog
from smechain.ordering.jetstream.lease import Lease
from smechain.ordering.jetstream.link import NatsLink, retry
from smechain.ordering.jetstream.names import Names


def stream_configs(names: Names, replicas: int = 3) -> list[api.StreamConfig]:
    """The chain's three streams. Each is read by direct gets (``allow_direct``) and announces
    what it stores on its heads subject (``republish``, headers only): readers need no
    consumer (see ``StreamReader``)."""

    def heads(stream: str, subject: str) -> api.RePublish:
        return api.RePublish(src=subject, dest=names.heads_subject(stream), headers_only=True)

    return [
        api.StreamConfig(name=names.txs_stream, subjects=[names.txs_subject],
                         num_replicas=replicas, storage=api.StorageType.FILE,
                         retention=api.RetentionPolicy.LIMITS, duplicate_window=120,
                         max_age=7 * 24 * 3600, allow_direct=True,
                         republish=heads(names.txs_stream, names.txs_subject)),
        api.StreamConfig(name=names.blocks_stream, subjects=[names.blocks_subject],
                         num_replicas=replicas, storage=api.StorageType.FILE,
                         retention=api.RetentionPolicy.LIMITS, duplicate_window=120,
                         allow_direct=True,
                         republish=heads(names.blocks_stream, names.blocks_subject)),
        # Kept as long as the blocks: a peer that joins or returns later reads them all.
        api.StreamConfig(name=names.ckpt_stream, subjects=[names.ckpt_subject("*")],
                         num_replicas=replicas, storage=api.StorageType.FILE,
                         retention=api.RetentionPolicy.LIMITS, duplicate_window=120,
                         allow_direct=True,
                         republish=heads(names.ckpt_stream, names.ckpt_subject("*"))),
    ]


def ensure_streams(link: NatsLink, names: Names, replicas: int = 3) -> None:
    """Create the chain's streams and lease bucket if they are missing (idempotent).

    The operator's job (``smechain ordering setup``, ``cluster up``): members may
    not manage streams. Streams made by earlier versions are brought up to date.
    """

    async def go() -> None:
        js = link.js
        for spec in stream_configs(names, replicas):
            try:
                info = await js.stream_info(spec.name or "")
            except nats.js.errors.NotFoundError:
                await js.add_stream(spec)
                continue
            config = info.config
            if spec.name == names.ckpt_stream and config.max_age:
                # Streams made before checkpoints were read back expired them after a day.
                config = dataclasses.replace(config, max_age=0)
            if not config.allow_direct or config.republish != spec.republish:
                # Streams made before readers used direct gets.
                config = dataclasses.replace(config, allow_direct=True, republish=spec.republish)
            if config is not info.config:
                await js.update_stream(config)
        await js.create_key_value(bucket=names.lease_bucket, ttl=Lease.TTL_S, history=1,
                                  replicas=replicas)

    retry(link, go, what="create the streams", deadline_s=30)


def setup_chain(link: NatsLink, names: Names, genesis: bytes, replicas: int = 3) -> None:
    """The operator's setup of a chain: its streams, lease bucket and block 0 (idempotent).

    ``ValueError`` if the blocks stream already holds another block 0.
    """
    ensure_streams(link, names, replicas)
    try:
        BlockLog(link, names).append(0, genesis, None)
    except Superseded:
        raise ValueError(f"genesis: the ordering service holds another block 0 for chain "
                         f"{names.chain_id!r}") from None
