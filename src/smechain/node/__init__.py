"""The peer: wires ordering, execution and storage; serves receipts, proofs and events."""
