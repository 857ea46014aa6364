"""Where the real public documents are: ``../shared/data`` beside the repository."""

from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
