"""Privacy computing off the ledger: private scoring and vertical WoE binning.

Generic machinery on plain inputs (numpy arrays of partial points, point
losses, feature columns, labels); the credit module wires it to scorecards and
the ledger. See ``docs/privacy.md`` for the security model and figures.

- :mod:`.sharing`: additive secret sharing mod 2^64.
- :mod:`.he`: the bank's Okamoto–Uchiyama key (``sf-heu``), range-checked decryption.
- :mod:`.reasons`: reason codes selected by aggregator 1 under one-time pads.
- :mod:`.scoring`: the scoring parties and the in-process driver.
- :mod:`.binning`: the vertical WoE binning parties.
- :mod:`.messages`: the typed msgpack messages.
"""
