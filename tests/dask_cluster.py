"""A Dask cluster on the loopback for the batch tests: a scheduler and workers as separate
processes (``dask scheduler`` / ``dask worker`` of this venv, no nanny, so a killed
worker stays dead), optionally on TLS with certificates made here (a private CA)."""
from __future__ import annotations

import datetime
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DASK = str(Path(sys.executable).with_name("dask"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Certs:
    ca: Path
    cert: Path
    key: Path


def make_certs(folder: Path, name: str = "cluster") -> Certs:
    """A private CA and one certificate it signs for 127.0.0.1 (server and client use)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import ipaddress
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    out = Certs(folder / f"{name}-ca.pem", folder / f"{name}-cert.pem", folder / f"{name}-key.pem")
    out.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return out


def client_config(path: Path, certs: Certs) -> Path:
    """A dask configuration file (YAML) giving a client these certificates."""
    path.write_text("distributed:\n  comm:\n    require-encryption: true\n    timeouts:\n      connect: 10s\n"
                    "    tls:\n"
                    f"      ca-file: {certs.ca}\n      client:\n        cert: {certs.cert}\n        key: {certs.key}\n")
    return path


def _tls_args(certs: Certs | None) -> list[str]:
    return [] if certs is None else ["--tls-ca-file", str(certs.ca), "--tls-cert", str(certs.cert),
                                     "--tls-key", str(certs.key)]


class Cluster:
    """``with Cluster(tmp, n_workers=2) as c:`` c.address, c.workers (Popen), c.start_worker()."""

    def __init__(self, logs: Path, n_workers: int = 2, certs: Certs | None = None):
        self.logs, self.n_workers, self.certs = logs, n_workers, certs
        self.workers: list[subprocess.Popen] = []
        self.scheduler: subprocess.Popen | None = None
        self.address = ""

    def __enter__(self) -> "Cluster":
        self.logs.mkdir(parents=True, exist_ok=True)
        port = free_port()
        proto = "tls" if self.certs else "tcp"
        self.address = f"{proto}://127.0.0.1:{port}"
        self.scheduler = subprocess.Popen(
            [DASK, "scheduler", "--protocol", proto, "--host", "127.0.0.1", "--port", str(port),
             "--no-dashboard", *_tls_args(self.certs)],
            stdout=subprocess.DEVNULL, stderr=open(self.logs / "scheduler.log", "w"))
        for i in range(self.n_workers):
            self.start_worker(f"w{i}", self.certs)
        self.wait_for_workers(self.n_workers)
        return self

    def start_worker(self, name: str, certs: Certs | None) -> subprocess.Popen:
        p = subprocess.Popen([DASK, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                              "--name", name, "--death-timeout", "60", *_tls_args(certs)],
                             stdout=subprocess.DEVNULL, stderr=open(self.logs / f"{name}.log", "w"))
        self.workers.append(p)
        return p

    def client(self):
        from distributed import Client
        from distributed.security import Security
        sec = None if self.certs is None else Security(tls_ca_file=str(self.certs.ca),
                                                       tls_client_cert=str(self.certs.cert),
                                                       tls_client_key=str(self.certs.key), require_encryption=True)
        return Client(self.address, security=sec, timeout="30s")

    def worker_names(self) -> list[str]:
        with self.client() as c:
            return sorted(w["name"] for w in c.scheduler_info()["workers"].values())

    def wait_for_workers(self, n: int, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with self.client() as c:
                    c.wait_for_workers(n, timeout=timeout_s)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def __exit__(self, *exc) -> None:
        for p in [*self.workers, self.scheduler]:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(timeout=30)
