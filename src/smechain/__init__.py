"""smechain: a consortium ledger and application platform for SME finance."""

__version__ = "0.1.0"
