"""The deployment files in deploy/ (settings example, systemd units, nginx) stay true to the
code: every setting named, units that systemd accepts running commands the CLI has, and an
nginx site that passes `nginx -t` and, in front of a worker, makes its cookies Secure."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from carevoice.cli import app
from services.settings import Settings
from storage.encryption import DataKeys
from tests.live_server import free_port, live_server

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
ENV_EXAMPLE = DEPLOY / "carevoice.env.example"
UNITS = sorted((DEPLOY / "systemd").iterdir())
NGINX_SITE = DEPLOY / "nginx" / "carevoice.conf"
CAREVOICE_IN_UNITS = "/opt/carevoice/.venv/bin/carevoice"
SETTING = re.compile(r"^(#\s*)?CAREVOICE_([A-Z_]+)=(.*)$")


def _settings_lines() -> list[tuple[bool, str, str]]:
    """(commented, field name, value) for each setting line of the example."""
    lines = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := SETTING.match(line):
            lines.append((match[1] is not None, match[2].lower(), match[3]))
    return lines


def test_the_settings_example_names_every_setting_once() -> None:
    names = [name for _, name, _ in _settings_lines()]
    assert sorted(names) == sorted(Settings.model_fields), "deploy/carevoice.env.example"
    assert len(names) == len(set(names))


def test_the_settings_example_loads_once_its_secrets_are_filled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    filled = {"data_key": DataKeys.new_key(), "secret_key": "x" * 40}
    for commented, name, value in _settings_lines():
        if commented and not value:
            continue  # an optional setting shown empty: left unset
        monkeypatch.setenv(f"CAREVOICE_{name.upper()}", filled.get(name, value))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.trusted_proxies == ["127.0.0.1"]
    assert settings.public_url.startswith("https://")
    for commented, name, value in _settings_lines():
        default = Settings.model_fields[name].default
        if commented and value and isinstance(default, int | str) and name != "ref_patterns":
            shown = {"true": True, "false": False}.get(value, value)
            assert str(shown) == str(default), f"{name}: the example shows {value}"


def _exec_lines() -> list[str]:
    return [
        line.removeprefix("ExecStart=")
        for unit in UNITS
        for line in unit.read_text(encoding="utf-8").splitlines()
        if line.startswith("ExecStart=")
    ]


def test_the_units_run_commands_the_cli_has() -> None:
    commands = _exec_lines()
    assert len(commands) == 3
    for command in commands:
        program, *args = command.replace("%i", "8001").split()
        assert program == CAREVOICE_IN_UNITS
        result = CliRunner().invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    carevoice = str(Path(sys.executable).parent / "carevoice")  # this venv's, as installed
    names = []
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8").replace(CAREVOICE_IN_UNITS, carevoice)
        text = text.replace("/etc/carevoice/carevoice.env", str(ENV_EXAMPLE))
        name = unit.name.replace("@.service", "@8001.service")
        (tmp_path / name).write_text(text, encoding="utf-8")
        names.append(f"./{name}")
    done = subprocess.run(
        [analyze, "verify", "--man=no", *names],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "carevoice.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _nginx_config(folder: Path, upstream: int, http: int, https: int) -> Path:
    """The site as shipped, on free ports, with a test certificate, in a minimal nginx."""
    cert, key = _certificate(folder)
    site = NGINX_SITE.read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/carevoice/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/carevoice/privkey.pem", str(key))
    site = site.replace("server 127.0.0.1:8001;", f"server 127.0.0.1:{upstream};")
    site = re.sub(r"listen (\[::\]:)?80;", lambda m: f"listen {m[1] or ''}{http};", site)
    site = re.sub(r"listen (\[::\]:)?443 ", lambda m: f"listen {m[1] or ''}{https} ", site)
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    (folder / "site.conf").write_text(site, encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\ndaemon off;\n"
        f"events {{}}\nhttp {{\n  client_body_temp_path {folder}/body;\n"
        f"  proxy_temp_path {folder}/proxy;\n  include {folder}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    return main


def _nginx() -> str:
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return nginx


def test_nginx_logs_no_request_of_any_server() -> None:
    """Invitation codes are in paths (/c/CODE), typed over http as well as https."""
    servers = NGINX_SITE.read_text(encoding="utf-8").split("server {")[1:]
    assert len(servers) == 2 and all("access_log off;" in server for server in servers)


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    main = _nginx_config(tmp_path, free_port(), free_port(), free_port())
    done = subprocess.run(
        [_nginx(), "-t", "-c", str(main)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.e2e
def test_behind_the_shipped_nginx_cookies_are_secure_and_http_goes_to_https(
    tmp_path: Path,
) -> None:
    nginx = _nginx()
    db = tmp_path / "carevoice.db"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{db}", trusted_proxies=["127.0.0.1"],
        public_url="https://carevoice.test", data_dir=str(tmp_path / "data"),
    )  # fmt: skip
    upstream, http, https = free_port(), free_port(), free_port()
    main = _nginx_config(tmp_path, upstream, http, https)
    with live_server(settings, upstream) as direct:
        plain = httpx.get(f"{direct}/signin", timeout=10)
        assert "secure" not in plain.headers["set-cookie"].lower()  # plain http, no proxy
        proxy = subprocess.Popen([nginx, "-c", str(main)], stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(verify=False, timeout=10, trust_env=False) as client:
                for _ in range(100):
                    try:
                        page = client.get(f"https://127.0.0.1:{https}/signin")
                        break
                    except httpx.ConnectError:
                        if proxy.poll() is not None:
                            log = (tmp_path / "error.log").read_text(encoding="utf-8")
                            pytest.fail(f"nginx stopped: {log}")
                        time.sleep(0.05)
                else:
                    pytest.fail("nginx did not start")
                assert page.status_code == 200
                cookie = page.headers["set-cookie"].lower()
                assert "; secure" in cookie and "httponly" in cookie
                assert page.headers["strict-transport-security"].startswith("max-age=")
                moved = client.get(f"http://127.0.0.1:{http}/signin")
                assert moved.status_code == 301
                assert moved.headers["location"].startswith("https://")
        finally:
            proxy.terminate()
            proxy.wait(timeout=10)
