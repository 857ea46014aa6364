"""The framework's routers, one per responsibility, each ``router(platform) -> APIRouter``.

Module routes live in their module (``smechain.modules.<name>.routes``); the
contracts' action routes are generated (``actions``).
"""
