"""deploy/compose.yaml cannot be started here (no container runtime on the CI machine), so this
checks that its parts fit together the way the running tests need them to: nginx reaches every
server process at the address the shipped site file names, the processes share one server key
file and one staff key file, the Redis password and address agree, Redis writes where its
volume is, and the image holds what the processes run. Each check names the mistake it catches
(all of them were in the file before this test: an upstream of 127.0.0.1 seen from inside the
nginx container, a staff key per container, Redis writing outside its volume)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from config.settings import load_settings
from server.keyfile import check_outside
from tests.deploy.conftest import DEPLOY

REPO = DEPLOY.parent


def compose() -> dict[str, Any]:
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def servers(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in doc["services"].items()
            if "python" in svc.get("command", []) and "server" in svc.get("command", [])}


def flag(command: list[str], name: str) -> str:
    assert name in command, f"{name} missing from {command}"
    return command[command.index(name) + 1]


def upstream_addresses() -> list[str]:
    site = (DEPLOY / "nginx" / "iltapiiri.conf").read_text(encoding="utf-8")
    block = re.search(r"upstream iltapiiri \{(.*?)\}", site, re.S)
    assert block is not None
    return re.findall(r"^\s*server\s+(\S+)", block.group(1), re.M)


def mounts(svc: dict[str, Any]) -> dict[str, str]:
    """Container path -> volume name or host path."""
    out = {}
    for spec in svc.get("volumes", []):
        source, target = spec.split(":")[:2]
        out[target] = source
    return out


def test_nginx_reaches_every_server_process_at_the_address_the_site_file_names() -> None:
    doc = compose()
    procs = servers(doc)
    assert len(procs) >= 2
    # The site file names 127.0.0.1: that is nginx's own container unless every service shares
    # the host's network (and then the processes must listen on loopback only).
    for name, svc in doc["services"].items():
        assert svc.get("network_mode") == "host", f"{name}: 127.0.0.1 would not reach the others"
    wanted = sorted(f"127.0.0.1:{flag(svc['command'], '--port')}" for svc in procs.values())
    assert sorted(upstream_addresses()) == wanted
    for name, svc in procs.items():
        assert flag(svc["command"], "--host") == "127.0.0.1", f"{name} listens beyond loopback"
    # nginx is then a loopback proxy, which the processes trust by default (the admission and
    # sign-in sources: decisions.md, 2026-12-04).
    assert "127.0.0.1" in load_settings(None).trusted_proxies


def test_the_processes_share_one_server_key_file_and_one_staff_key_file() -> None:
    procs = servers(compose())
    key_files = {svc["environment"]["ILTAPIIRI_KEY_FILE"] for svc in procs.values()}
    configs = {flag(svc["command"], "--config") for svc in procs.values()}
    assert len(key_files) == 1 and len(configs) == 1, "every process needs the same files"
    (key_file,), (config,) = key_files, configs
    # The settings file the processes read is the one in the image, copied from the repository.
    image_root = PurePosixPath("/srv/iltapiiri")
    local = REPO / PurePosixPath(config).relative_to(image_root)
    assert local.is_file(), f"{config} is not in the repository"
    settings = load_settings(local)
    assert settings.staff.key_file is not None, "a staff key per container: logins half fail"
    for name, svc in procs.items():
        volumes = mounts(svc)
        for path in (PurePosixPath(key_file), PurePosixPath(str(settings.staff.key_file))):
            shared = [target for target, source in volumes.items()
                      if path.is_relative_to(target) and not source.startswith(".")]
            assert shared, f"{name}: {path} is not on a volume the processes share"
        data_dir = Path(flag(svc["command"], "--data-dir"))
        check_outside(Path(key_file), data_dir)  # raises if the key would travel with the data


def test_redis_password_address_and_data_directory_agree() -> None:
    doc = compose()
    conf = (DEPLOY / "redis.conf").read_text(encoding="utf-8")
    password = re.search(r"^requirepass\s+(\S+)", conf, re.M)
    assert password is not None
    redis = doc["services"]["redis"]
    data_dir = flag(redis["command"], "--dir")
    assert mounts(redis).get(data_dir) in doc["volumes"], "Redis would write outside its volume"
    assert flag(redis["command"], "--bind") == "127.0.0.1"
    for name, svc in servers(doc).items():
        url = svc["environment"]["REDIS_URL"]
        assert url == f"redis://:{password.group(1)}@127.0.0.1:6379/0", name


def test_the_image_holds_every_package_and_the_directories_the_volumes_mount() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    copied = set(re.findall(r"^COPY (\S+) ", dockerfile, re.M))
    for pattern in [*packages, "web_client*"]:
        assert pattern.rstrip("*") in copied, f"the image lacks {pattern}"
    owned = re.search(r"install -d -o iltapiiri -g iltapiiri -m 0700 (.+)", dockerfile)
    assert owned is not None
    made = set(owned.group(1).split())
    for svc in servers(compose()).values():
        for target in mounts(svc):
            assert target in made, f"{target}: a volume the service user could not write"
        assert str(PurePosixPath(flag(svc["command"], "--data-dir")).parent) in made
