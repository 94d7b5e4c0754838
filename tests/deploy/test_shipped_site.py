"""The shipped nginx site file itself (deploy/nginx/iltapiiri.conf: TLS, HTTP/2, the redirect,
HSTS, the log format, the upstream) under Debian's nginx on loopback, with a self-signed
certificate. tests/deploy/test_nginx.py runs the proxy include on plain HTTP; this runs the
whole file as an operator would install it, with only its paths and ports rewritten."""

from __future__ import annotations

import datetime
import ipaddress
import re
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.deploy.conftest import DEPLOY, NGINX_CANDIDATES
from tests.fixtures.server import ServerProcess
from tests.fixtures.services import _wait_for_port, free_port, missing

SITE = DEPLOY / "nginx" / "iltapiiri.conf"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def rewrite_site(text: str, *, directory: Path, http_port: int, https_port: int,
                 upstream_ports: list[int], cert: Path, key: Path) -> str:
    """The shipped file with only what an operator changes: paths, ports, the upstream list.
    Every rewrite must match, so a change to the shipped file's shape fails here, loudly."""
    def sub(pattern: str, repl: str, s: str) -> str:
        out, n = re.subn(pattern, repl, s, flags=re.M)
        assert n >= 1, f"the shipped site no longer has {pattern!r}"
        return out

    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;"
                        for p in upstream_ports)
    text = sub(r"^(upstream iltapiiri \{\n)(?:.*\n)*?(\})", rf"\g<1>{servers}\n\g<2>", text)
    text = sub(r"listen 80;", f"listen 127.0.0.1:{http_port};", text)
    text = sub(r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;", text)
    text = sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", text)
    text = sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", text)
    text = sub(r"/var/log/nginx/", f"{directory}/", text)
    text = sub(r"include /etc/nginx/iltapiiri-proxy.conf;",
               f"include {DEPLOY / 'nginx' / 'iltapiiri-proxy.conf'};", text)
    # The redirect goes to the standard port; on loopback the test's HTTPS port stands in.
    return sub(r"return 301 https://\$host\$request_uri;",
               f"return 301 https://$host:{https_port}$request_uri;", text)


MAIN = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log crit;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {site};
}}
"""


@pytest.fixture
def shipped_site(tmp_path: Path) -> Iterator[Callable[[list[int]], tuple[int, int]]]:
    """Factory: `shipped_site([port, ...])` starts nginx on the shipped site file; returns its
    (http, https) ports."""
    binary = next((c for c in NGINX_CANDIDATES if Path(c).exists()), None) or shutil.which("nginx")
    if binary is None:
        missing("nginx is not installed")
    procs: list[subprocess.Popen[bytes]] = []

    def start(upstream_ports: list[int]) -> tuple[int, int]:
        directory = tmp_path / "site"
        directory.mkdir()
        cert, key = self_signed(directory)
        http_port, https_port = free_port(), free_port()
        site = directory / "iltapiiri.conf"
        site.write_text(rewrite_site(SITE.read_text(encoding="utf-8"), directory=directory,
                                     http_port=http_port, https_port=https_port,
                                     upstream_ports=upstream_ports, cert=cert, key=key),
                        encoding="utf-8")
        main = directory / "nginx.conf"
        main.write_text(MAIN.format(dir=directory, site=site), encoding="utf-8")
        check = subprocess.run([str(binary), "-t", "-p", str(directory), "-c", str(main)],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        procs.append(subprocess.Popen([str(binary), "-p", str(directory), "-c", str(main),
                                       "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for_port(https_port)
        return http_port, https_port

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


async def test_the_shipped_site_serves_over_tls_and_the_socket_opens_through_it(
        server_process: Callable[..., ServerProcess], redis_url: str,
        shipped_site: Callable[[list[int]], tuple[int, int]], tmp_path: Path) -> None:
    proc = server_process(redis_url=redis_url)
    http_port, https_port = shipped_site([proc.port])
    origin = f"https://127.0.0.1:{https_port}"
    tls = ssl.create_default_context(cafile=str(tmp_path / "site" / "fullchain.pem"))
    async with aiohttp.ClientSession() as http:
        # Port 80 only redirects, to HTTPS.
        async with http.get(f"http://127.0.0.1:{http_port}/", allow_redirects=False) as resp:
            assert resp.status == 301
            assert resp.headers["Location"].startswith(f"https://127.0.0.1:{https_port}/")
        # The page over TLS, with HSTS and the service's own security headers passed through.
        async with http.get(f"{origin}/", ssl=tls) as resp:
            assert resp.status == 200
            assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
            assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
            assert "<html" in (await resp.text()).lower()
        # The socket over wss from this site's page (the Origin check sees https and the port).
        async with http.ws_connect(f"wss://127.0.0.1:{https_port}/socket.io/?EIO=4"
                                   "&transport=websocket", ssl=tls,
                                   headers={"Origin": origin}) as ws:
            first = await ws.receive(timeout=5)
            assert isinstance(first.data, str) and first.data.startswith("0{")
        # ... and not from another site's.
        with pytest.raises(aiohttp.WSServerHandshakeError):
            async with http.ws_connect(f"wss://127.0.0.1:{https_port}/socket.io/?EIO=4"
                                       "&transport=websocket", ssl=tls,
                                       headers={"Origin": "https://evil.example"}):
                pass
    log = (tmp_path / "site" / "iltapiiri.log").read_text(encoding="utf-8")
    assert "GET /socket.io/" in log and "127.0.0.1" not in log  # the shipped format has no address
