"""Key pairs on disk: one JSON file per key, readable by its owner only (``KeyPair`` itself
is ``smechain.core.keys.KeyPair``; it is importable from here too)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from smechain.core.crypto import get_suite
from smechain.core.keys import KeyPair


def generate_key(suite: str) -> KeyPair:
    """A fresh key pair from the operating system's randomness."""
    private, public = get_suite(suite).keypair_from_seed(os.urandom(32))
    return KeyPair(suite, private, public)


def save_key(key: KeyPair, path: Path, label: str = "") -> None:
    """Write ``key`` to ``path`` with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"suite": key.suite, "label": label, "private": key.private.hex(),
           "public": key.public.hex()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh, indent=2)


class KeyFileError(ValueError):
    """A key file that cannot be used; the message names the file and field."""


def load_key(path: Path) -> KeyPair:
    """Read a key file written by ``save_key``, checking that its halves match."""
    try:
        doc = json.loads(Path(path).read_text())
        suite = get_suite(doc["suite"])
        private = bytes.fromhex(doc["private"])
        public = bytes.fromhex(doc["public"])
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such key file") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a smechain key file ({exc})") from None
    try:
        matches = len(private) == 32 and suite.public_key(private) == public
    except ValueError:
        matches = False
    if not matches:
        raise KeyFileError(f"{path}: private and public keys do not belong together")
    return KeyPair(suite.name, private, public)


__all__ = ["KeyFileError", "KeyPair", "generate_key", "load_key", "save_key"]
