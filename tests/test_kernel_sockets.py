"""Socket folders of warm kernels whose worker was killed are removed by the next kernel to start."""

import os
import subprocess
import sys

from pipeline.report.notebooks.kernels import SOCKETS_PREFIX, sweep_sockets


def test_only_the_folders_of_workers_that_are_gone_are_removed(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    dead = tmp_path / f"{SOCKETS_PREFIX}{int(ended.stdout)}-k3x9"
    alive = tmp_path / f"{SOCKETS_PREFIX}{os.getpid()}-a1b2"
    unnamed = tmp_path / f"{SOCKETS_PREFIX}0u0tdqx2"  # no owner in its name: not ours to judge
    for folder in (dead, alive, unnamed):
        folder.mkdir()
        (folder / "k-1").write_bytes(b"")
    stray_file = tmp_path / f"{SOCKETS_PREFIX}{int(ended.stdout)}-file"
    stray_file.write_bytes(b"")
    assert sweep_sockets(tmp_path) == [dead]
    assert not dead.exists() and alive.is_dir() and unnamed.is_dir() and stray_file.is_file()
