"""The smechain command line."""
