"""Who may use the ordering network: a consortium CA, TLS certificates, NKeys, permissions.

Every connection to the NATS servers is TLS, both ways: a server shows a
certificate from the consortium's CA and asks the client for one from the same
CA (``verify: true``). Then the client proves it holds the seed of an NKey the
servers list, and the servers hold it to that user's subject permissions:

``operator``
    Manages the chain's streams and the cutters' lease bucket (creates them,
    and may purge, delete or change them): ``smechain ordering setup`` and
    ``cluster up`` connect as the operator. Unrestricted.
``cutter``
    An organisation whose peer may cut blocks: what a member may do, and also
    read ``TXS``, append to ``BLOCKS``, and take, renew and give up the lease.
``peer`` (a member)
    Any other organisation: publishes transactions to ``TXS`` and its own
    checkpoints to ``CKPT`` (its own subject only), reads ``BLOCKS`` and
    ``CKPT`` by direct gets, and answers ``cluster status``.

No organisation may list, purge, delete, create or change a stream, or
create a consumer (see ``permissions``). Servers route to each other over
TLS with the same CA, and log in to each other with a route password only
the servers' configs hold, so a member's client certificate cannot pass for
a server.

Keys, seeds and the route password are written with mode 0600 (certificates
too, which are public: one rule for the folder). ECDSA P-256 keys: what Go's
TLS (the server's) and OpenSSL (Python's) both do well.
"""

from __future__ import annotations

import datetime
import errno
import ipaddress
import os
import re
import secrets
import ssl
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import nkeys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from smechain.ordering.jetstream.lease import Lease
from smechain.ordering.jetstream.names import Names

OPERATOR = "operator"
ROUTE_USER = "route"
CERT_DAYS = 3650
"""How long the generated CA and certificates are valid (ten years): renew by re-issuing."""


class AccessError(ValueError):
    """A credential file that cannot be used; the message names the field and the file."""


class Role(StrEnum):
    OPERATOR = "operator"
    CUTTER = "cutter"
    PEER = "peer"


def token(name: str) -> str:
    """``name`` as one subject token (what the servers' configs and inboxes use)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def inbox_prefix(name: str) -> str:
    """The reply subjects of ``name``'s connections: its own, so no member reads another's."""
    return f"_INBOX.{token(name)}"


# --- permissions -------------------------------------------------------------------------


def permissions(role: Role, names: Names, org: str) -> dict[str, Any] | None:
    """The subject permissions of ``org`` in ``role`` on chain ``names``; None: unrestricted.

    JetStream is driven through ``$JS.API.>`` request subjects, so each call a
    member makes is one subject here: stream info, a message by sequence, and
    direct gets (how every stream is read: see ``jetstream.StreamReader``).
    No member may create a consumer: a push consumer's deliveries are
    published by the server on the consumer's behalf to any subject it names,
    past its creator's permissions, and so could append to ``BLOCKS`` or take
    the lease. A cutter adds the blocks subject, reading ``TXS``, and the
    lease bucket: its key's subject, its stream info and its direct get.
    """
    if role is Role.OPERATOR:
        return None
    api = "$JS.API"
    publish = [
        names.txs_subject,
        names.ckpt_subject(org),
        *(f"{api}.STREAM.INFO.{s}" for s in (names.blocks_stream, names.ckpt_stream)),
        f"{api}.DIRECT.GET.{names.blocks_stream}",
        f"{api}.DIRECT.GET.{names.ckpt_stream}",
        f"{api}.STREAM.MSG.GET.{names.blocks_stream}",
    ]
    heads = [names.heads_subject(names.blocks_stream), names.heads_subject(names.ckpt_stream)]
    if role is Role.CUTTER:
        kv = f"KV_{names.lease_bucket}"
        publish += [
            names.blocks_subject,
            f"{api}.STREAM.INFO.{names.txs_stream}",
            f"{api}.DIRECT.GET.{names.txs_stream}",
            f"{api}.STREAM.INFO.{kv}",
            f"{api}.STREAM.MSG.GET.{kv}",
            f"{api}.DIRECT.GET.{kv}",
            f"{api}.DIRECT.GET.{kv}.>",
            f"$KV.{names.lease_bucket}.{Lease.KEY}",
        ]
        heads.append(names.heads_subject(names.txs_stream))
    return {
        "publish": {"allow": publish},
        "subscribe": {"allow": [f"{inbox_prefix(org)}.>", names.status_subject, *heads]},
        # Answering `cluster status` on the asker's reply subject, and nothing else.
        "allow_responses": {"max": 1, "expires": "10s"},
    }


# --- files -------------------------------------------------------------------------------


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600 (also when the file was there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


MAX_FILE = 64 * 1024
"""A certificate, key or seed file is small: more than this is not one (nor a device)."""


def _read(path: Path, field: str, what: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE + 1)
    except FileNotFoundError:
        raise AccessError(f"{field}: {path}: no such {what} file") from None
    except IsADirectoryError:
        raise AccessError(f"{field}: {path}: a directory, not a {what} file") from None
    except NotADirectoryError:
        raise AccessError(f"{field}: {path}: a path under a file, not a {what} file") from None
    except OSError as exc:
        raise AccessError(f"{field}: {path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE:
        raise AccessError(f"{field}: {path}: more than {MAX_FILE} bytes, not a {what} file")
    if not data.strip():
        raise AccessError(f"{field}: {path}: empty, not a {what} file")
    return data


def new_user_seed() -> bytes:
    """A fresh NKey user seed (``SU…``)."""
    return bytes(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER))


def public_nkey(seed: bytes) -> str:
    """The public key (``U…``) of a user seed."""
    return str(nkeys.from_seed(bytearray(seed)).public_key.decode())


def read_seed(path: Path, field: str = "seed") -> str:
    """A user NKey seed file, checked."""
    data = _read(path, field, "NKey seed")
    text = data.decode(errors="replace").strip()
    try:
        kp = nkeys.from_seed(bytearray(text.encode()))
        public = kp.public_key.decode()
    except Exception:
        raise AccessError(f"{field}: {path}: not an NKey seed") from None
    if not public.startswith("U"):
        raise AccessError(f"{field}: {path}: an NKey seed, but not a user's (SU…)")
    return text


# --- the CA and certificates ---------------------------------------------------------------


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _hosts(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


@dataclass(frozen=True, slots=True)
class AccessKit:
    """The access files of one consortium in one folder: its CA, certificates and seeds.

    ``NAME.pem`` and ``NAME-key.pem`` (certificate and its key), ``NAME.nk``
    (NKey seed) for each organisation and the operator; ``NAME.pem`` and
    ``NAME-key.pem`` for each server; ``ca.pem`` (every party's trust anchor)
    and ``ca-key.pem`` (keep it offline: it signs new members in); ``routes.secret`` (the
    servers' route password).
    """

    folder: Path

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.pem"

    def cert_file(self, name: str) -> Path:
        return self.folder / f"{name}.pem"

    def key_file(self, name: str) -> Path:
        return self.folder / f"{name}-key.pem"

    def seed_file(self, name: str) -> Path:
        return self.folder / f"{name}.nk"

    @property
    def routes_file(self) -> Path:
        return self.folder / "routes.secret"

    def create_ca(self, consortium: str) -> None:
        """A new consortium CA and route password; refuses to replace an existing CA."""
        if self.ca_file.exists():
            raise FileExistsError(errno.EEXIST, "a CA is already there", str(self.ca_file))
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, consortium),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{consortium} ordering CA"),
        ])
        now = _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256())
        )
        write_private(self.key_file("ca"), _pem_key(key))
        write_private(self.ca_file, _pem_cert(cert))
        write_private(self.routes_file, secrets.token_urlsafe(32).encode() + b"\n")

    def _issue(self, name: str, hosts: list[str] | None) -> None:
        ca_key = serialization.load_pem_private_key(self.key_file("ca").read_bytes(), None)
        ca_cert = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
        key = ec.generate_private_key(ec.SECP256R1())
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
        if hosts is not None:
            usages.insert(0, ExtendedKeyUsageOID.SERVER_AUTH)  # and a route's client side
        now = _now()
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([
                x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                   ca_cert.subject.get_attributes_for_oid(
                                       NameOID.ORGANIZATION_NAME)[0].value),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=False, crl_sign=False,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
        )
        if hosts:
            builder = builder.add_extension(x509.SubjectAlternativeName(_hosts(hosts)),
                                            critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        write_private(self.key_file(name), _pem_key(key))
        write_private(self.cert_file(name), _pem_cert(cert))

    def issue_server(self, name: str, hosts: list[str]) -> ServerTLS:
        """A server's certificate for ``hosts`` (names or addresses its clients dial)."""
        if not hosts:
            raise ValueError(f"{name}: a server certificate needs a host name or address")
        self._issue(name, hosts)
        return ServerTLS(self.ca_file, self.cert_file(name), self.key_file(name))

    def issue_client(self, name: str) -> Identity:
        """A member's (or the operator's) client certificate and NKey seed."""
        self._issue(name, None)
        write_private(self.seed_file(name), new_user_seed() + b"\n")
        return self.identity(name)

    def identity(self, name: str) -> Identity:
        return Identity(self.ca_file, self.cert_file(name), self.key_file(name),
                        self.seed_file(name), name)

    def server_tls(self, name: str) -> ServerTLS:
        return ServerTLS(self.ca_file, self.cert_file(name), self.key_file(name))

    def route_password(self) -> str:
        return _read(self.routes_file, "routes", "route password").decode().strip()


# --- the client side ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identity:
    """How one party connects: the CA it trusts, its certificate and key, its NKey seed."""

    ca: Path
    cert: Path
    key: Path
    seed: Path
    name: str
    """Whose it is (an organisation's id, or ``operator``): names its reply subjects."""

    FIELDS = ("ca", "cert", "key", "seed")

    @classmethod
    def from_dict(cls, doc: Any, base: Path, name: str, where: str = "nats") -> Identity:
        """The ``[nats]`` table of a config file; relative paths are relative to ``base``."""
        if not isinstance(doc, dict):
            raise AccessError(f"{where}: expected a table")
        unknown = sorted(set(doc) - set(cls.FIELDS))
        if unknown:
            raise AccessError(f"{where}.{unknown[0]}: unknown field (expected "
                              f"{', '.join(cls.FIELDS)})")
        paths: dict[str, Path] = {}
        for field in cls.FIELDS:
            value = doc.get(field)
            if value is None:
                raise AccessError(f"{where}.{field}: missing")
            if not isinstance(value, str) or not value:
                raise AccessError(f"{where}.{field}: expected a file path")
            paths[field] = base / Path(value)
        return cls(paths["ca"], paths["cert"], paths["key"], paths["seed"], name)

    def ssl_context(self, where: str = "nats") -> ssl.SSLContext:
        """A client TLS context: trusts only the consortium CA, shows this party's certificate."""
        ca = _read(self.ca, f"{where}.ca", "CA certificate")
        try:
            x509.load_pem_x509_certificates(ca)
        except ValueError:
            raise AccessError(f"{where}.ca: {self.ca}: not a PEM certificate") from None
        cert = _read(self.cert, f"{where}.cert", "certificate")
        try:
            x509.load_pem_x509_certificate(cert)
        except ValueError:
            raise AccessError(f"{where}.cert: {self.cert}: not a PEM certificate") from None
        key = _read(self.key, f"{where}.key", "private key")
        try:
            serialization.load_pem_private_key(key, None)
        except (ValueError, TypeError):
            raise AccessError(f"{where}.key: {self.key}: not a PEM private key "
                              "(without a passphrase)") from None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(cadata=ca.decode("ascii", errors="replace"))
        try:
            ctx.load_cert_chain(str(self.cert), str(self.key))
        except (ssl.SSLError, OSError) as exc:
            raise AccessError(f"{where}.key: {self.key}: not the key of the certificate in "
                              f"{where}.cert ({_reason(exc)})") from None
        return ctx

    def connect_options(self, where: str = "nats") -> dict[str, Any]:
        """nats-py ``connect`` options for this identity (files read and checked now)."""
        return {
            "tls": self.ssl_context(where),
            "nkeys_seed_str": read_seed(self.seed, f"{where}.seed"),
            "inbox_prefix": inbox_prefix(self.name),
        }

    def check(self, where: str = "nats") -> None:
        """Read every file; ``AccessError`` naming the first that cannot be used."""
        self.connect_options(where)

    def toml(self, relative_to: Path | None = None) -> str:
        """The ``[nats]`` table that names these files."""
        def show(p: Path) -> str:
            return os.path.relpath(p, relative_to) if relative_to is not None else str(p)

        return "[nats]\n" + "".join(f'{f} = "{show(getattr(self, f))}"\n' for f in self.FIELDS)


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "reason", None) or exc)


# --- the server side ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerTLS:
    ca: Path
    cert: Path
    key: Path


@dataclass(frozen=True, slots=True)
class NatsUser:
    """One NKey user of the servers' configs, with its permissions (None: unrestricted)."""

    name: str
    nkey: str
    permissions: dict[str, Any] | None

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {"nkey": self.nkey}
        if self.permissions is not None:
            out["permissions"] = self.permissions
        return out


@dataclass(frozen=True, slots=True)
class ServerAccess:
    """What a server's config needs: its TLS files, the users, the route password."""

    tls: ServerTLS
    users: tuple[NatsUser, ...]
    route_password: str


def server_users(kit: AccessKit, names: Names, members: dict[str, Role]) -> tuple[NatsUser, ...]:
    """The operator and each member, with the public keys of their seeds in ``kit``."""
    users = [NatsUser(OPERATOR, public_nkey(read_seed(kit.seed_file(OPERATOR)).encode()), None)]
    for org, role in members.items():
        seed = read_seed(kit.seed_file(org)).encode()
        users.append(NatsUser(org, public_nkey(seed), permissions(role, names, org)))
    return tuple(users)
