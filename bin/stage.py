"""Start a pipeline stage with the project's interpreter, however `dvc` was started.

dvc.yaml runs `python3 bin/stage.py -m pipeline.stages.<stage>`. Any Python 3
can run this file (it uses the standard library only); it then replaces itself
with the interpreter that has the project's packages:

1. the project's own virtual environment, `.venv/` beside dvc.yaml (what
   `make setup` builds): so `.venv/bin/dvc repro` works without activating it;
2. else an activated virtual environment (`VIRTUAL_ENV`);
3. else the interpreter running this file (a conda or system install that
   already has the packages).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def interpreter() -> str:
    candidates = [ROOT / ".venv" / "bin" / "python", ROOT / ".venv" / "Scripts" / "python.exe"]
    if os.environ.get("VIRTUAL_ENV"):
        venv = Path(os.environ["VIRTUAL_ENV"])
        candidates += [venv / "bin" / "python", venv / "Scripts" / "python.exe"]
    for python in candidates:
        if python.exists():
            return str(python)
    return sys.executable


def main() -> None:
    python = interpreter()
    if os.name == "nt":  # no exec on Windows: run and pass the exit code on
        import subprocess

        sys.exit(subprocess.call([python, *sys.argv[1:]]))
    os.execv(python, [python, *sys.argv[1:]])


if __name__ == "__main__":
    main()
