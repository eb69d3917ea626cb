"""Set-up where analysts run it: `make lab` as root and as a normal user, and DVC with the project's interpreter."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port`, read from /proc/net/tcp and tcp6 (Linux)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                if width == 8:
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    words = [bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, 32, 8)]
                    found.add(socket.inet_ntop(socket.AF_INET6, b"".join(words)))
    return found


def status(port: int, token: str | None, path: str = "/api/status") -> int:
    url = f"http://127.0.0.1:{port}{path}" + (f"?token={token}" if token else "")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def start_lab(port: int, token: str, user: str | None, home: Path) -> subprocess.Popen:
    env = {**os.environ, "JUPYTER_TOKEN": token, "HOME": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data")}
    command = ["make", "-s", "lab", f"LAB_PORT={port}"]
    if user:
        command = ["runuser", "-u", user, "--", "env", *(f"{k}={v}" for k, v in env.items() if k in (
            "PATH", "HOME", "JUPYTER_TOKEN", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR")), *command]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, text=True)


def check_lab(user: str | None, tmp_path: Path) -> None:
    home = tmp_path / (user or "me")
    home.mkdir()
    if user:
        shutil.chown(home, user)
    port, token = free_port(), "workbench-test-token"
    proc = start_lab(port, token, user, home)
    try:
        deadline = time.monotonic() + 120
        while not listening_addresses(port):
            if proc.poll() is not None:
                pytest.fail(f"make lab ended ({proc.returncode}): {proc.stdout.read()[-2000:]}")
            assert time.monotonic() < deadline, "make lab did not start listening within 120 s"
            time.sleep(0.5)
        assert listening_addresses(port) == {"127.0.0.1"}  # loopback only, no 0.0.0.0 or ::
        assert status(port, None) == 403  # no token, no entry
        assert status(port, "wrong") == 403
        assert status(port, token) == 200
        # Lab's root is the project: the templates, the exploration notebook and the project's folders
        # (reports/ among them once `make report` has run) are all reachable from it
        for path in ("notebooks/county.ipynb", "notebooks/explore.ipynb", "data", "params.yaml"):
            assert status(port, token, f"/api/contents/{path}") == 200, path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_make_lab_as_this_user_answers_on_loopback_with_a_token(tmp_path):
    check_lab(None, tmp_path)


def readable_by(user: str, path: Path) -> bool:
    """Whether `user` can read `path` (a checkout under /root is out of reach of `nobody`)."""
    return subprocess.run(["runuser", "-u", user, "--", "test", "-r", str(path)]).returncode == 0


def interpreter_reachable_by(user: str) -> bool:
    """Whether `user` may run the project's interpreter (a root-built venv may point into /root)."""
    python = (REPO / ".venv/bin/python").resolve()
    return subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(python)]).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None,
                    reason="the other kind of user: needs root to start `make lab` as `nobody`")
def test_make_lab_as_a_normal_user_too(tmp_path):
    if not readable_by("nobody", REPO / "Makefile") or not interpreter_reachable_by("nobody"):
        pytest.skip("this checkout or its venv's interpreter lives where `nobody` may not go (e.g. /root/.pyenv); "
                    "test_lab_command_for_root_and_normal_users checks the command a normal user gets")
    tmp_path.chmod(0o755)
    check_lab("nobody", tmp_path)


def lab_command(user: str | None) -> str:
    command = ["make", "-n", "-s", "lab", "LAB_PORT=8899"]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout


def test_lab_command_for_root_and_normal_users():
    """Root gets --allow-root (Jupyter refuses root without it), a normal user does not; both bind 127.0.0.1."""
    mine = lab_command(None)
    assert "--ServerApp.ip=127.0.0.1" in mine and "--ServerApp.port=8899" in mine
    assert ("--allow-root" in mine) == (os.geteuid() == 0)
    assert "token=''" not in mine and "--IdentityProvider.token" not in mine  # the token is never switched off
    if os.geteuid() == 0 and shutil.which("runuser") and readable_by("nobody", REPO / "Makefile"):
        theirs = lab_command("nobody")
        assert "--ServerApp.ip=127.0.0.1" in theirs and "--allow-root" not in theirs
