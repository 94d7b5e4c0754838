"""Debian's nginx in front of server processes, on loopback, running deploy/nginx's proxy file."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.services import _wait_for_port, free_port, missing

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/bin/nginx")

# The top of a test nginx's main file: its pid, logs and temporary files in its own directory.
MAIN_HEAD = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log crit;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
"""
# The main file a test nginx runs: the shipped proxy settings and log format, on a plain-HTTP
# loopback listener (the shipped site adds TLS in front of the same include).
MAIN_CONF = MAIN_HEAD + """\
    {log_format}
    upstream iltapiiri {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        access_log {dir}/access.log iltapiiri_noaddr;
        client_max_body_size 300k;
        include {proxy_conf};
    }}
}}
"""


def shipped_log_format() -> str:
    """The `log_format iltapiiri_noaddr ...;` and `limit_req_zone ...;` statements of
    deploy/nginx/iltapiiri.conf (http-level settings the proxy include relies on)."""
    text = (DEPLOY / "nginx" / "iltapiiri.conf").read_text(encoding="utf-8")
    out = []
    for name in ("log_format iltapiiri_noaddr", "limit_req_zone "):
        start = text.index(name)
        out.append(text[start:text.index(";", start) + 1])
    return "\n    ".join(out)


@dataclass
class Nginx:
    """A running nginx; `.url` is its loopback address."""

    port: int
    directory: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        """Its access and error logs."""
        return "".join((self.directory / name).read_text(errors="replace")
                       for name in ("access.log", "error.log")
                       if (self.directory / name).exists())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Callable[[list[int]], Nginx]]:
    """Factory: `nginx([port_a, port_b])` starts nginx proxying to those loopback ports."""
    binary = next((c for c in NGINX_CANDIDATES if Path(c).exists()), None) or shutil.which("nginx")
    if binary is None:
        missing("nginx is not installed")
    started: list[Nginx] = []

    def start(upstream_ports: list[int]) -> Nginx:
        directory = tmp_path / f"nginx{len(started)}"
        directory.mkdir()
        port = free_port()
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;"
                            for p in upstream_ports)
        conf = directory / "nginx.conf"
        conf.write_text(MAIN_CONF.format(
            dir=directory, port=port, servers=servers, log_format=shipped_log_format(),
            proxy_conf=DEPLOY / "nginx" / "iltapiiri-proxy.conf"), encoding="utf-8")
        check = subprocess.run([str(binary), "-t", "-p", str(directory), "-c", str(conf)],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        proc = subprocess.Popen([str(binary), "-p", str(directory), "-c", str(conf),
                                 "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = Nginx(port=port, directory=directory, proc=proc)
        started.append(server)
        try:
            _wait_for_port(port)
        except RuntimeError:
            server.stop()
            raise
        time.sleep(0.05)
        return server

    yield start
    for server in started:
        server.stop()
