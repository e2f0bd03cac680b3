"""Starts the production layout of deploy/ on this machine for the tests: an env file
made from deploy/saikoku.env.example, a PostgreSQL database of its own, migrate and
collectstatic, the Procfile's processes and nginx with deploy/nginx/saikoku.conf on
loopback ports, with a self-signed certificate. Nothing is installed at test time:
nginx is Debian's (.ci/run installs it); a missing nginx fails the test."""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from support.procfile import Running, env_file_read, env_file_write, procfile_start

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TESTS = ROOT / "tests"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_admin_url() -> str:
    """The system cluster (127.0.0.1:5432) as the test run reaches it, its maintenance
    database: where databases of the started instances are created and dropped."""
    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return urlsplit(url)._replace(path="/postgres").geturl()


def database_name(tag: str) -> str:
    """A database of its own per run: named after the run's database (each checkout
    has its own) and the process, so parallel runs never meet."""
    url = os.environ.get("DATABASE_URL") or ""
    base = urlsplit(url).path.lstrip("/") if url.startswith("postgres") else "saikoku"
    return f"{base or 'saikoku'}_{tag}_{os.getpid()}"


def database_create(name: str) -> str:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlsplit(postgres_admin_url())._replace(path=f"/{name}").geturl()


def database_drop(name: str) -> None:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def certificate_write(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (and 127.0.0.1): what the clients trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def keys_write(folder: Path, names: list[str]) -> None:
    """One file per key named in the env file (…_FILE=/etc/saikoku/keys/NAME)."""
    folder.mkdir(mode=0o700)
    for name in names:
        value = Fernet.generate_key().decode() if name == "otp_key" else os.urandom(36).hex()
        (folder / name).write_text(value, encoding="utf-8")
        (folder / name).chmod(0o400)


def instance_env_values(folder: Path, **changes: str) -> dict[str, str]:
    """The example env file with this machine's paths, a console SMS provider (no
    gateway here) and `changes`; every key file it names is written."""
    values = env_file_read(DEPLOY / "saikoku.env.example")
    keys = folder / "keys"
    key_names = []
    for key, value in values.items():
        if key.endswith("_FILE") and value.startswith("/etc/saikoku/keys/"):
            key_names.append(value.rsplit("/", 1)[1])
            values[key] = str(keys / key_names[-1])
    keys_write(keys, key_names)
    for sub in ("data", "backup"):
        (folder / sub).mkdir()
    values.update(
        {
            "SAIKOKU_DATA_DIR": str(folder / "data"),
            "SAIKOKU_BACKUP_DIR": str(folder / "backup"),
            "SAIKOKU_STATIC_ROOT": str(folder / "www" / "static"),
            "SAIKOKU_SMS_PROVIDER": "console",
            "SAIKOKU_WEB_WORKERS": "2",
            **changes,
        }
    )
    return values


def process_env(values: dict[str, str]) -> dict[str, str]:
    """What a unit's process gets: the env file and a PATH with the release's bin
    first (as the units' Environment=PATH), none of the test run's own settings."""
    own = ("SAIKOKU_", "DATABASE_", "DJANGO_", "PYTHON")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    env["PATH"] = f"{BIN}:/usr/sbin:/usr/bin:/bin"
    env.update(values)
    return env


def saikoku(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "saikoku"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def instance_tool(env: dict[str, str], *args: str) -> str:
    """support/instance_tool.py in the instance's environment."""
    done = subprocess.run(
        [sys.executable, "-m", "support.instance_tool", *args],
        env={**env, "PYTHONPATH": str(TESTS), "DJANGO_SETTINGS_MODULE": "saikoku.settings"},
        cwd=TESTS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def wait_for_port(port: int, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process ended with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    assert found, "nginx is missing: apt-get install nginx (.ci/run installs it)"
    return found


@dataclass
class Nginx:
    process: subprocess.Popen
    folder: Path

    def stop(self) -> int:
        """SIGQUIT: nginx's graceful shutdown."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return -int(signal.SIGKILL)


def site_config(replacements: dict[str, str]) -> str:
    """deploy/nginx/saikoku.conf with this machine's ports and paths; each replaced
    text must be in the file, so the test follows the file as it changes."""
    text = (DEPLOY / "nginx" / "saikoku.conf").read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/saikoku.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def nginx_start(folder: Path, site: str, *, port: int) -> Nginx:
    """nginx in the foreground with its own prefix and a main config that includes the
    site (as Debian's nginx.conf includes sites-enabled/)."""
    folder.mkdir()
    (folder / "saikoku.conf").write_text(site, encoding="utf-8")
    temp = folder / "temp"
    temp.mkdir()
    # As root, the workers would be nobody, who cannot read the test's private folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"""{user}worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {DEPLOY}/nginx/saikoku-common.conf;
    include {folder}/saikoku.conf;
}}
""",
        encoding="utf-8",
    )
    binary = nginx_binary()
    args = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf")]
    test = subprocess.run([*args, "-t"], capture_output=True, text=True, check=False)
    assert test.returncode == 0, test.stderr
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_port(port, timeout=20, process=process)
    return Nginx(process, folder)


@dataclass
class Stack:
    """One started instance behind nginx."""

    folder: Path
    env: dict[str, str]
    env_file: Path
    database: str
    http_port: int
    https_port: int
    web_port: int
    cafile: Path
    running: Running
    nginx: Nginx

    def stop(self) -> dict[str, int]:
        codes = {"nginx": self.nginx.stop()}
        codes.update(self.running.stop())
        return codes


def stack_start(folder: Path, *, tag: str, only: set[str] | None = None, **changes: str) -> Stack:
    """The whole layout: database, env file, migrate, collectstatic, the Procfile's
    processes (those named in `only`) and nginx; `changes` are settings of the env file
    beyond the machine's own."""
    http_port, https_port, web_port = free_port(), free_port(), free_port()
    database = database_name(tag)
    database_url = database_create(database)
    values = instance_env_values(
        folder,
        DATABASE_URL=database_url,
        SAIKOKU_ALLOWED_HOSTS="localhost",
        SAIKOKU_CSRF_TRUSTED_ORIGINS=f"https://localhost:{https_port}",
        SAIKOKU_TRUSTED_PROXIES="127.0.0.1",
        SAIKOKU_ALLOWED_NETWORKS_WARD="127.0.0.0/8",
        SAIKOKU_ALLOWED_NETWORKS_CONTRACTOR="127.0.0.0/8",
        SAIKOKU_WEB_BIND=f"127.0.0.1:{web_port}",
        **changes,
    )
    env_file = env_file_write(folder / "saikoku.env", values)
    env = process_env(env_file_read(env_file))
    for step in (("migrate", "-v0"), ("collectstatic", "--noinput", "-v0")):
        done = saikoku(env, *step)
        assert done.returncode == 0, done.stdout + done.stderr
    logs = folder / "logs"
    logs.mkdir()
    running = procfile_start(DEPLOY / "Procfile", env=env, cwd=ROOT, log_dir=logs, only=only)
    cert, key = certificate_write(folder)
    site = site_config(
        {
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen [::]:80;": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "listen [::]:443 ssl http2;": "",
            "server_name saikoku.example.lg.jp;": "server_name localhost;",
            "https://$host$request_uri": f"https://$host:{https_port}$request_uri",
            "server 127.0.0.1:8000;": f"server 127.0.0.1:{web_port};",
            "/etc/ssl/saikoku/fullchain.pem": str(cert),
            "/etc/ssl/saikoku/privkey.pem": str(key),
            "root /var/www/saikoku;": f"root {folder / 'www'};",
            "/var/log/nginx/": f"{folder / 'logs'}/nginx-",
        }
    )
    try:
        wait_for_port(web_port, timeout=60, process=running.processes.get("web"))
        nginx = nginx_start(folder / "nginx", site, port=https_port)
    except BaseException:
        running.stop()
        database_drop(database)
        raise
    return Stack(
        folder, env, env_file, database, http_port, https_port, web_port, cert, running, nginx
    )
