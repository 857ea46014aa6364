"""The electronic seals of an OFD e-invoice, checked: signatures, binding and signed files.

:func:`verify_ofd_integrity` only recomputes the digests a ``Signature.xml``
lists; anyone who edits a file can edit its digest too. A seal is what makes
those digests trustworthy: the signer's SM2 signature in ``SignedValue.dat``
covers the seal and the SM3 hash of the ``Signature.xml`` (the file that lists
the digests), and the seal's maker has signed the seal itself. So a seal is
good here only when all of this holds; each failure has its own problem code
(and a verdict, in brackets):

* ``signer_not_in_seal`` [mismatched]: the signer's certificate is not one the
  seal binds (its ``certList``): another signer, or the certificate was altered.
* ``seal_forged`` [forged]: the maker's SM2 signature over the seal information
  does not verify.
* ``signature_forged`` [forged]: the signer's SM2 signature over ``TBS_Sign``
  does not verify.
* ``data_hash_mismatch`` [mismatched]: the seal signed another ``Signature.xml``
  (it was edited, or the seal was moved here from another document).
* ``seal_file_mismatch`` [mismatched]: a ``Seal.esl`` beside it is another seal.
* ``signed_file_changed`` [tampered]: a file the signature lists changed or is gone.
* ``seal_not_valid_at_signing``, ``cert_not_valid_at_signing`` [expired]: signed
  outside the seal's, or the signer certificate's, validity.
* ``unsupported_algorithm``, ``not_a_seal`` [unsupported]: not SM3 with SM2 or
  not an SM2 key; a ``Type="Sign"`` digital signature rather than a seal.

What is not checked: that the signer's and maker's certificates chain to a
trusted CA or are unrevoked (no national root is configured here), and the
optional RFC 3161 time stamp. The signing time is the signer's own claim.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import posixpath
from dataclasses import dataclass, replace
from typing import Literal

from lxml import etree

from smechain.core.crypto import get_suite
from smechain.documents.ofd import _first_child, _SafeZip, _signature_lists, signed_references
from smechain.documents.record import CHECK_METHODS, DocumentError, local_name, text_of
from smechain.documents.ses import (
    EC_PUBLIC_KEY,
    SM2_CURVE,
    Certificate,
    SesSignature,
    parse_certificate,
    parse_ses_signature,
)

SM2_WITH_SM3 = "1.2.156.10197.1.501"

SealProblem = Literal[
    "signer_not_in_seal", "seal_forged", "signature_forged", "data_hash_mismatch",
    "seal_file_mismatch", "signed_file_changed", "seal_not_valid_at_signing",
    "cert_not_valid_at_signing", "unsupported_algorithm", "not_a_seal",
]
Verdict = Literal["ok", "forged", "mismatched", "tampered", "expired", "unsupported"]

# In the order of the module's list, which is the order problems are reported in.
VERDICTS: dict[SealProblem, Verdict] = {
    "signer_not_in_seal": "mismatched", "seal_forged": "forged", "signature_forged": "forged",
    "data_hash_mismatch": "mismatched", "seal_file_mismatch": "mismatched",
    "signed_file_changed": "tampered",
    "seal_not_valid_at_signing": "expired", "cert_not_valid_at_signing": "expired",
    "unsupported_algorithm": "unsupported", "not_a_seal": "unsupported",
}


@dataclass(frozen=True, slots=True)
class SealCheck:
    """The outcome of checking one seal (one ``Signature.xml``) of an OFD."""

    signature_file: str
    """Package path of the ``Signature.xml``, e.g. ``/Doc_0/Signs/Sign_0/Signature.xml``."""
    signed_value: str
    """Package path of its ``SignedValue.dat``."""
    version: int
    """SES layout: 4 (GB/T 38540), 1 (GM/T 0031); 0 when not a seal."""
    signer: str
    """Subject of the signer's certificate (``C=CN, O=..., CN=...``)."""
    seal_name: str
    """``SES_ESPropertyInfo.name``."""
    seal_id: str
    """``SES_SealInfo.esID``."""
    maker: str
    """Subject of the seal maker's certificate."""
    signing_time: datetime.datetime | None
    """``TBS_Sign.timeInfo`` (aware), as the signer claims it."""
    ok: bool
    """True exactly when ``problems`` is empty."""
    problems: tuple[SealProblem, ...] = ()
    """Every check that failed, in the order of the module's table."""
    reason: str = ""
    """One sentence per problem, joined by ``"; "``; empty when ok."""
    signed_files: tuple[str, ...] = ()
    """The files the ``Signature.xml`` lists (their digests are checked)."""

    @property
    def verdict(self) -> Verdict:
        """``ok``, or the verdict of the first problem: ``forged``, ``mismatched``,
        ``tampered``, ``expired`` or ``unsupported``.

        Problems are in the order of the module's list, which follows cause to
        effect: an altered signer certificate is ``mismatched`` even when its key,
        altered with it, no longer verifies the signature.
        """
        return VERDICTS[self.problems[0]] if self.problems else "ok"

    @property
    def failure(self) -> str:
        """``seal FILE is VERDICT: REASON``; empty when ok."""
        return "" if self.ok else f"seal {self.signature_file} is {self.verdict}: {self.reason}"

    def summary(self) -> dict[str, object]:
        """The check as JSON-ready data (what the API and the CLI show)."""
        return {"signature_file": self.signature_file, "ok": self.ok, "verdict": self.verdict,
                "problems": list(self.problems), "reason": self.reason,
                "signer": self.signer, "seal_name": self.seal_name, "seal_id": self.seal_id,
                "version": self.version,
                "signed_at": self.signing_time.isoformat() if self.signing_time else None}


def broken_seal(exc: DocumentError) -> dict[str, object]:
    """What :meth:`SealCheck.summary` shows for an OFD whose seals cannot be read at all
    (``verify_ofd_seals`` raised ``exc``): verdict ``broken``, never ok."""
    return {"signature_file": "", "ok": False, "verdict": "broken", "problems": [],
            "reason": str(exc), "signer": "", "seal_name": "", "seal_id": "", "version": 0,
            "signed_at": None}


Problems = list[tuple[SealProblem, str]]


def _sm2_verify(cert: Certificate, message: bytes, signature: bytes) -> bool:
    return get_suite("sm2").verify(cert.public_key, message, signature)


def _is_sm2(cert: Certificate) -> bool:
    return cert.key_algorithm == SM2_CURVE or (
        cert.key_algorithm == EC_PUBLIC_KEY and cert.curve == SM2_CURVE)


def _bound(ses: SesSignature, problems: Problems) -> bool:
    """Whether the signer's certificate is one the seal binds (by bytes or by digest)."""
    seal = ses.seal
    if seal.certs:
        return any(hmac.compare_digest(c, ses.cert) for c in seal.certs)
    for algo, digest in seal.cert_digests:
        name = CHECK_METHODS.get(algo.strip().lower())
        if name is None:
            problems.append(("unsupported_algorithm",
                             f"the seal binds certificates by an unknown digest {algo!r}"))
            return True
        if hmac.compare_digest(hashlib.new(name, ses.cert).digest(), digest):
            return True
    return False


def check_ses_signature(
    ses: SesSignature, signed_data: bytes, source: str
) -> tuple[Certificate | None, Certificate, Problems]:
    """Check one parsed SES signature against the data it claims to sign.

    Returns the signer's certificate (``None`` when it is unreadable and not the
    seal's), the maker's, and the failed checks as ``(problem, sentence)``.
    ``DocumentError(source, ...)`` when a certificate the seal relies on is
    malformed.
    """
    problems: Problems = []
    seal = ses.seal
    bound = _bound(ses, problems)
    if not bound:
        problems.append(("signer_not_in_seal", "the signer's certificate is not one the seal "
                         "binds (SES_ESPropertyInfo.certList): altered, or another signer"))
    try:
        signer: Certificate | None = parse_certificate(ses.cert, source, "signer certificate")
    except DocumentError:
        if bound:  # the seal itself binds an unreadable certificate: malformed input
            raise
        signer = None  # an altered certificate, already reported as not the seal's
    maker = parse_certificate(seal.maker_cert, source, "seal maker certificate")
    algorithms_ok = True
    for who, algo, cert in (("seal maker", seal.algorithm, maker),
                            ("signer", ses.algorithm, signer)):
        if algo != SM2_WITH_SM3:
            problems.append(("unsupported_algorithm", f"{who} signature algorithm {algo} "
                             f"(only SM3 with SM2, {SM2_WITH_SM3}, is checked)"))
            algorithms_ok = False
        elif cert is not None and not _is_sm2(cert):
            problems.append(("unsupported_algorithm", f"{who} key is not SM2 "
                             f"({cert.key_algorithm} {cert.curve})".rstrip()))
            algorithms_ok = False
    if algorithms_ok:
        if not _sm2_verify(maker, seal.signed, seal.signature):
            problems.append(("seal_forged", "the seal maker's SM2 signature over the seal "
                             "information does not verify: the seal was altered or not made "
                             "by its maker"))
        if signer is not None and not _sm2_verify(signer, ses.signed, ses.signature):
            problems.append(("signature_forged", "the signer's SM2 signature over TBS_Sign "
                             "does not verify with the certificate inside it"))
    if not hmac.compare_digest(hashlib.new("sm3", signed_data).digest(), ses.data_hash):
        problems.append(("data_hash_mismatch", "the SM3 hash of the signed Signature.xml differs "
                         "from the seal's dataHash: the seal was made for another "
                         "Signature.xml (edited, or the seal moved here from another document)"))
    when = ses.signing_time
    if when is not None:
        if not seal.valid_start <= when <= seal.valid_end:
            problems.append(("seal_not_valid_at_signing", f"signed {when.isoformat()}, outside "
                             f"the seal's validity {seal.valid_start.isoformat()} to "
                             f"{seal.valid_end.isoformat()}"))
        if signer is not None and not signer.not_before <= when <= signer.not_after:
            problems.append(("cert_not_valid_at_signing", f"signed {when.isoformat()}, outside "
                             f"the signer certificate's validity {signer.not_before.isoformat()}"
                             f" to {signer.not_after.isoformat()}"))
    return signer, maker, problems


# --------------------------------------------------------------------------- OFD


def _resolve(zf: _SafeZip, base_file: str, loc: str) -> str | None:
    target = loc if loc.startswith("/") else posixpath.join(posixpath.dirname(base_file), loc)
    return zf.find(target)


def _listed_signatures(zf: _SafeZip) -> list[tuple[str, str]]:
    """(Signature.xml entry, Type) for every signature a Signatures.xml lists."""
    out: list[tuple[str, str]] = []
    for sigs_name in _signature_lists(zf):
        for el in zf.xml(sigs_name).iter():
            if local_name(el) == "Signature" and el.get("BaseLoc"):
                loc = el.get("BaseLoc", "")
                name = _resolve(zf, sigs_name, loc)
                if name is None:
                    raise DocumentError(zf.source, f"{sigs_name}: signature file {loc} missing")
                out.append((name, el.get("Type", "Seal").strip() or "Seal"))
    return list(dict.fromkeys(out))


def _changed_files(zf: _SafeZip, root: etree._Element, sig_name: str,
                   problems: Problems) -> tuple[str, ...]:
    """Check every Reference's CheckValue; return the listed paths."""
    found = signed_references(zf, root)
    if found is None:
        return ()
    method, refs = found
    algo = CHECK_METHODS.get(method)
    if algo is None:
        problems.append(("unsupported_algorithm", f"References CheckMethod {method!r}"))
        return ()
    listed = [ref.path for ref in refs]
    bad = [f"{ref.path} (missing)" if ref.entry is None else ref.path
           for ref in refs if not ref.holds(zf, algo)]
    if bad:
        problems.append(("signed_file_changed", f"signed file{'s' if len(bad) > 1 else ''} "
                         f"{', '.join(bad)} changed after sealing ({algo.upper()} differs from "
                         f"the CheckValue in {'/' + sig_name})"))
    return tuple(listed)


def _check_signature_file(zf: _SafeZip, sig_name: str, kind: str) -> SealCheck:
    root = zf.xml(sig_name)
    loc = text_of(_first_child(root, "SignedValue"))
    if not loc:
        raise DocumentError(zf.source, f"{sig_name}: no SignedValue")
    value_name = _resolve(zf, sig_name, loc)
    if value_name is None:
        raise DocumentError(zf.source, f"{sig_name}: SignedValue {loc} missing")
    problems: Problems = []
    listed = _changed_files(zf, root, sig_name, problems)
    check = SealCheck(signature_file="/" + sig_name, signed_value="/" + value_name, version=0,
                      signer="", seal_name="", seal_id="", maker="", signing_time=None,
                      ok=True, signed_files=listed)
    if kind.lower() == "sign":
        problems.insert(0, ("not_a_seal", "a Type=\"Sign\" digital signature (GB/T 35275), "
                            "not an electronic seal: its signature is not checked here"))
        return _with_problems(check, problems)
    source = f"{zf.source}!{value_name}"
    ses = parse_ses_signature(zf.read(value_name), source)
    signer, maker, ses_problems = check_ses_signature(ses, zf.read(sig_name), source)
    seal_file = text_of(_first_child(root, "SignedInfo", "Seal", "BaseLoc"))
    if seal_file:
        esl = _resolve(zf, sig_name, seal_file)
        if esl is None or not hmac.compare_digest(zf.read(esl), ses.seal.der):
            ses_problems.append(("seal_file_mismatch", f"{seal_file} is "
                                 f"{'missing' if esl is None else 'not the seal signed with'}"))
    check = replace(check, version=ses.version,
                    signer=signer.subject if signer else "(unreadable certificate)",
                    seal_name=ses.seal.name, seal_id=ses.seal.es_id, maker=maker.subject,
                    signing_time=ses.signing_time)
    return _with_problems(check, ses_problems + problems)


def _with_problems(check: SealCheck, problems: Problems) -> SealCheck:
    order = list(VERDICTS)
    problems = sorted(problems, key=lambda p: order.index(p[0]))
    return replace(check, ok=not problems,
                   problems=tuple(dict.fromkeys(p for p, _ in problems)),
                   reason="; ".join(f"{p}: {text}" for p, text in problems))


def verify_ofd_seals(data: bytes, source: str = "<bytes>") -> list[SealCheck]:
    """Check every electronic seal of an OFD package; ``[]`` when it has none.

    For each signature its ``Signatures.xml`` lists: the SES signature in its
    ``SignedValue.dat`` is parsed (GB/T 38540 v4 or GM/T 0031 v1), the signer's
    certificate must be one the seal binds, the maker's and the signer's SM2
    signatures (SM3, default user id) must verify, its ``dataHash`` must be the
    SM3 of the ``Signature.xml``, a ``Seal.esl`` beside it must be the same seal,
    every file the ``Signature.xml`` lists must still have its digest, and the
    signing time must fall within the seal's and the certificate's validity. A
    failed check is reported in the :class:`SealCheck`, never raised.

    Raises ``DocumentError`` naming the entry and the reason when the package or
    a signature in it cannot be read: not a ZIP, a listed file missing, XML or
    DER malformed (truncated, wrong types, trailing bytes), a certificate the
    seal binds unreadable.
    """
    zf = _SafeZip(data, source)
    return [_check_signature_file(zf, name, kind) for name, kind in _listed_signatures(zf)]


__all__ = ["VERDICTS", "SealCheck", "SealProblem", "Verdict", "broken_seal",
           "check_ses_signature", "verify_ofd_seals"]
