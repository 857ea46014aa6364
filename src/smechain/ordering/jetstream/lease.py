"""The cutters' leadership lease: a key in a bucket with a time-to-live."""

from __future__ import annotations

import nats.js.errors

from smechain.ordering.jetstream.link import TRANSIENT, NatsLink
from smechain.ordering.jetstream.names import Names


class Lease:
    """Who cuts blocks: a key in a bucket whose entries live ``TTL_S`` seconds.

    The holder renews it every ``RENEW_S``; when it stops (it died, or lost
    the cluster), the key expires and a standby's ``acquire`` succeeds. The
    lease only keeps two cutters from wasting work: the blocks stream's
    expected-last-sequence is what keeps the chain from forking.
    """

    TTL_S = 3.0
    RENEW_S = 1.0
    KEY = "holder"

    def __init__(self, link: NatsLink, names: Names, holder: str) -> None:
        self.link = link
        self.names = names
        self.holder = holder
        self._revision: int | None = None

    @property
    def held(self) -> bool:
        return self._revision is not None

    def acquire(self) -> bool:
        """Take the lease if nobody holds it."""

        async def go() -> int | None:
            kv = await self.link.js.key_value(self.names.lease_bucket)
            try:
                return int(await kv.create(self.KEY, self.holder.encode()))
            except nats.js.errors.KeyWrongLastSequenceError:
                return None

        try:
            self._revision = self.link.call(go())
        except (*TRANSIENT, nats.js.errors.Error):
            self._revision = None
        return self.held

    def renew(self) -> bool:
        """Extend the lease; ``False`` if it was lost."""
        if self._revision is None:
            return False
        revision = self._revision

        async def go() -> int | None:
            kv = await self.link.js.key_value(self.names.lease_bucket)
            try:
                return int(await kv.update(self.KEY, self.holder.encode(), last=revision))
            except nats.js.errors.KeyWrongLastSequenceError:
                return None

        try:
            self._revision = self.link.call(go())
        except (*TRANSIENT, nats.js.errors.Error):
            self._revision = None
        return self.held

    def current(self) -> str | None:
        """Who holds the lease now, if anyone."""

        async def go() -> str | None:
            kv = await self.link.js.key_value(self.names.lease_bucket)
            try:
                entry = await kv.get(self.KEY)
            except nats.js.errors.KeyNotFoundError:
                return None
            return (entry.value or b"").decode() or None

        try:
            return self.link.call(go())
        except (*TRANSIENT, nats.js.errors.Error):
            return None

    def release(self) -> None:
        """Give the lease up at once (a clean shutdown), so a standby need not wait."""
        revision, self._revision = self._revision, None
        if revision is None:
            return

        async def go() -> None:
            kv = await self.link.js.key_value(self.names.lease_bucket)
            await kv.purge(self.KEY)

        try:
            self.link.call(go())
        except (*TRANSIENT, nats.js.errors.Error):
            pass
