"""Ordering services: they fix one order of signed transactions and cut it into blocks.

A node takes its ordering service by composition, through the ``Orderer``
Protocol (``ordering.abc``, documented there):

- ``submit(item)``: hand a checked transaction to ordering (``OrdererFull``,
  ``OrdererClosed``);
- ``next_work(head, busy)``: on the node's ledger thread, the next ``Batch``
  to seal on top of ``head``, or ``FollowedBlock`` sealed elsewhere to check
  and execute, or ``None``;
- ``sealed(block, data, batch)``: the block the node sealed from a batch,
  before it commits it (``Superseded`` if another cutter took that height);
- ``close()``: stop; ``next_work`` then hands out what was cut and raises
  ``OrdererClosed``;
- ``durable``: whether what was submitted outlives the process (so a
  transaction not yet committed is still in flight after a restart).

Which implementation a deployment uses:

- **Embedded** (``smechain demo``, ``serve``, the tests, ``Node.create`` and
  ``Node.open``): ``solo.SoloOrderer``, an in-process queue with the block
  cutter (``cutter.BlockCutter``) on its output; not durable.
- **Consortium** (``smechain peer run``, ``node.peer.Peer``):
  ``jetstream.ConsortiumOrderer`` over a NATS JetStream cluster (R3): it
  publishes to the ``TXS`` stream, follows the ``BLOCKS`` stream, and cuts
  blocks while its organisation holds the cutters' lease; durable.
  ``access`` (TLS and NKeys), ``natsserver`` (running ``nats-server``) and
  ``ckptlog`` (the checkpoint stream) serve that deployment.
"""
