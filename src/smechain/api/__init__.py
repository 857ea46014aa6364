"""The HTTP API every peer serves: FastAPI routes over the ``Platform`` service layer."""
