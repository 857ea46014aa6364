"""A module's SDK part: ``client.<module>``, its typed actions and its queries.

Each module's ``sdk.py`` (``smechain/modules/<name>/sdk.py``) declares
``SDK``, a subclass of ``ModuleSdk``; the ``Client`` makes one per module, as
``client.<name>``. An action method is declared by its signature alone, with
``@action``: calling it sends ``POST /v1/contracts/<module>/<action>`` with the
arguments as fields (``wire_names`` renames a parameter, e.g. ``cert_id`` to
``id``), and the peer signs it with the caller's enrolled key. A method whose
arguments need converting (certificate backings) is written out and calls
``_call``.

``ledger_forms`` says how an action's arguments look in the ledger's form, for
transactions signed here (``Signer``): the SDK knows it without the contracts.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec

from smechain.client.models import TxResult
from smechain.modules import parts

if TYPE_CHECKING:
    from smechain.client.http import Client

P = ParamSpec("P")

Binary = bytes | str
"""A binary field: bytes, or their lowercase hex as on the wire."""

LedgerForm = Callable[[Any], Any]
"""Turns one argument from any form the SDK takes into the ledger's form."""
LedgerForms = Mapping[str, Mapping[str, LedgerForm]]
"""action -> field -> its ``LedgerForm``."""


def json_form(value: Any) -> Any:
    """Arguments as the HTTP API's JSON: bytes as hex, sequences as lists, records as
    objects."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): json_form(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [json_form(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_form(dataclasses.asdict(value))
    return value


def binary(value: Binary) -> bytes:
    """A binary field in the ledger's form: bytes (hex strings are decoded)."""
    return bytes.fromhex(value) if isinstance(value, str) else value


class ModuleSdk:
    """``client.<module>``: one module's actions and queries over a ``Client``."""

    wire_names: ClassVar[Mapping[str, str]] = {}
    """Parameters of ``@action`` methods sent under another field name."""
    ledger_forms: ClassVar[LedgerForms] = {}
    """action -> field -> its conversion to the ledger's form, for the fields whose JSON
    form differs (binary fields, records the ledger stores as arrays)."""
    shortcuts: ClassVar[tuple[str, ...]] = ()
    """Methods the ``Client`` also answers under the same name (``client.balances()`` for
    ``client.cash.balances()``), as it did before modules had their folders."""

    def __init__(self, client: Client, module: str) -> None:
        self._client = client
        self.module = module
        """The module's name, which is also its contract's."""

    def __repr__(self) -> str:
        return f"<{self.module} of {self._client!r}>"

    def _call(self, action: str, wait: bool, **args: Any) -> TxResult:
        """``POST /v1/contracts/<module>/<action>``: the action, signed by the peer."""
        return self._client.call(self.module, action, wait=wait, **args)

    def _get(self, path: str, **params: Any) -> Any:
        return self._client.request("GET", path, params=params)

    def _post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self._client.request("POST", path, json=body, params=params)


def action(method: Callable[P, TxResult]) -> Callable[P, TxResult]:
    """A ``ModuleSdk`` method that sends the action named like it, with its arguments.

    The method's signature is the declaration (its body is not run): every parameter
    but ``wait`` becomes a field of the action's arguments, ``wait`` says whether to
    wait for the block.
    """
    signature = inspect.signature(method)

    @functools.wraps(method)
    def send(*args: P.args, **kwargs: P.kwargs) -> TxResult:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        fields = dict(bound.arguments)
        sdk: ModuleSdk = fields.pop("self")
        wait = bool(fields.pop("wait", True))
        return sdk._call(method.__name__, wait,
                         **{sdk.wire_names.get(k, k): v for k, v in fields.items()})

    return send



@functools.cache
def module_sdks() -> dict[str, type[ModuleSdk]]:
    """Each module's SDK part (its ``sdk.py``'s ``SDK``), by module name, in ``MODULES``
    order."""
    return {module.name: part.SDK for module, part in parts.each("sdk")}
