"""Reads over consents, and the one rule of whether a consent allows a computation.

Pure: each function takes a state reader (``StateReader``: ``get(key)``) or records
already read, and plain values; none reads the clock (the caller passes ``now_ms``: the
block's time on the ledger, the wall clock in a data owner's service).

``check_consent`` is that rule. The ``credit`` contract calls it for every attestation,
and data owners' off-ledger services call it before they compute; each refusal is its
own ``ConsentRefused`` class with a stable ``code`` and the field at fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from smechain.core.daycount import MS_PER_DAY, date_of
from smechain.core.encoding import decode, shown
from smechain.core.errors import ContractError
from smechain.core.state import StateReader
from smechain.modules.consent.contract import Consent, Status, consent_key


class ConsentRefused(ContractError):
    """A consent does not allow the computation asked; ``field`` names the argument at
    fault. Each kind of refusal is a subclass with its own ``code``."""

    code = "consent_refused"


class NoConsent(ConsentRefused):
    """There is no consent with that id."""

    code = "consent_unknown"


class ConsentExpired(ConsentRefused):
    """The consent's ``until_ms`` has passed."""

    code = "consent_expired"


class ConsentRevoked(ConsentRefused):
    """The SME revoked the consent."""

    code = "consent_revoked"


class WrongBank(ConsentRefused):
    """The consent was granted to another bank."""

    code = "consent_wrong_bank"


class CategoryNotGranted(ConsentRefused):
    """The consent does not cover the data category."""

    code = "consent_category"


class OtherSme(ConsentRefused):
    """The consent was granted by another SME than the one whose data is asked for."""

    code = "consent_other_sme"


class WrongPurpose(ConsentRefused):
    """The consent was granted for another purpose."""

    code = "consent_purpose"


REFUSALS = (NoConsent, ConsentExpired, ConsentRevoked, OtherSme, WrongBank,
            CategoryNotGranted, WrongPurpose)
REFUSAL_STATUS = {kind.code: 422 for kind in REFUSALS}
"""HTTP status of each refusal's receipt code (``api.hooks``): the request names a
consent that does not allow it, as a bad argument does."""

NAMES = frozenset({"id"})
"""Argument and event fields ``tx_orgs`` reads (consent ids)."""


def read_consent(state: StateReader, consent_id: str) -> Consent | None:
    """The consent ``consent_id``, or ``None``."""
    raw = state.get(consent_key(consent_id))
    return None if raw is None else decode(raw, Consent)


def is_live(consent: Consent, now_ms: int) -> bool:
    """Whether ``consent`` allows computing at ``now_ms``: not revoked, not expired."""
    return consent.status == Status.GRANTED and now_ms < consent.until_ms


def standing(consent: Consent, now_ms: int) -> str:
    """``live``, ``expired`` or ``revoked`` at ``now_ms``."""
    if consent.status == Status.REVOKED:
        return "revoked"
    return "live" if now_ms < consent.until_ms else "expired"


def _when(ms: int) -> str:
    """A block time as its UTC day (``2026-12-01``), for messages."""
    return date_of(ms // MS_PER_DAY)


def check_consent(state: StateReader, consent_id: str, bank: str, category: str,
                  purpose: str, now_ms: int, *, sme: str | None = None,
                  fields: Mapping[str, str] | None = None) -> Consent:
    """The consent ``consent_id`` when it lets ``bank`` have data of ``category`` (of
    ``sme``, when given: the firm whose data is computed on) computed for ``purpose`` at
    ``now_ms``; otherwise the refusal, checked in this order: ``NoConsent``,
    ``ConsentRevoked``, ``ConsentExpired`` (naming ``consent_id``), ``OtherSme``
    (``sme``), ``WrongBank`` (``bank``), ``CategoryNotGranted`` (``category``),
    ``WrongPurpose`` (``purpose``). ``fields`` renames those fields to the caller's
    arguments (``{"bank": "consent_id"}``); a name it lacks is kept."""
    names = fields or {}

    def field(name: str) -> str:
        return names.get(name, name)

    consent = read_consent(state, consent_id)
    if consent is None:
        raise NoConsent(field("consent_id"), f"no consent {shown(consent_id)!r}")
    if consent.status == Status.REVOKED:
        raise ConsentRevoked(field("consent_id"), f"consent {consent.id!r} was revoked on "
                             f"{_when(consent.revoked_at_ms)}")
    if now_ms >= consent.until_ms:
        raise ConsentExpired(field("consent_id"), f"consent {consent.id!r} expired on "
                             f"{_when(consent.until_ms)}")
    if sme is not None and consent.sme != sme:
        raise OtherSme(field("sme"), f"consent {consent.id!r} was granted by "
                       f"{consent.sme!r}, not by {shown(sme)!r}")
    if consent.bank != bank:
        raise WrongBank(field("bank"), f"consent {consent.id!r} is for {consent.bank!r}, "
                        f"not {shown(bank)!r}")
    if category not in consent.categories:
        raise CategoryNotGranted(field("category"), f"consent {consent.id!r} covers "
                                 f"{', '.join(consent.categories)}, not {shown(category)!r}")
    if consent.purpose != purpose:
        raise WrongPurpose(field("purpose"), f"consent {consent.id!r} is for "
                           f"{consent.purpose}, not {shown(purpose)!r}")
    return consent


def parties(consent: Consent) -> set[str]:
    """The organisations a consent concerns: the SME that granted it and its bank."""
    return {consent.sme, consent.bank}


def consents_of(consents: Iterable[Consent], org: str, role: str = "any") -> list[Consent]:
    """The consents ``org`` granted (``role="sme"``), received (``"bank"``) or either
    (``"any"``), newest grant first."""
    found = [c for c in consents
             if (role in ("sme", "any") and c.sme == org)
             or (role in ("bank", "any") and c.bank == org)]
    return sorted(found, key=lambda c: (-c.granted_at_ms, c.id))


def unknown_to(state: StateReader, org: str, args: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(field, reason)`` to refuse, as for an unknown id, ``org``'s action on the consent
    ``args["id"]`` when ``org`` neither granted nor received it; ``None`` when it may
    act, or ``args`` name no consent."""
    consent_id = args.get("id")
    if not isinstance(consent_id, str):
        return None
    consent = read_consent(state, consent_id)
    if consent is not None and org in parties(consent):
        return None
    return "id", f"no consent {shown(consent_id)!r}"


def tx_orgs(state: StateReader, contract: str, action: str, named: Mapping[str, set[str]]
            ) -> set[str]:
    """The organisations a ``consent`` transaction concerns from state: the SME and the
    bank of each consent it names (its events name them too; this covers a refusal)."""
    if contract != "consent":
        return set()
    found: set[str] = set()
    for consent_id in named.get("id", ()):
        consent = read_consent(state, consent_id)
        if consent is not None:
            found.update(parties(consent))
    return found
