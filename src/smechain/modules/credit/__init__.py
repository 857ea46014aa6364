"""Credit from government data (placeholder until the credit module's own package lands)."""
