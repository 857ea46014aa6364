"""The pure, deterministic core: encoding, crypto, transactions, blocks, proofs, execution."""
