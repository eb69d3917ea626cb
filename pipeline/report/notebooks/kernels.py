"""Warm kernels: one Python kernel per worker process, kept for many notebooks.

Why: of the ~8 s a county notebook took in a fresh kernel, ~6 s were the
kernel starting and importing pandas, seaborn, matplotlib and the
project again. A warm kernel pays that once per worker.

Papermill still parameterises and executes every notebook: our engine
(`ENGINE`) hands papermill's own client the worker's running kernel instead
of starting one. Before each notebook the kernel's user namespace is cleared
and its execution count set back to 1, so a notebook's outputs are the same
bytes as from a fresh kernel (tests/test_notebooks.py compares them).

The kernel talks over IPC sockets in a private folder (no TCP port at all),
keeps no input history (no SQLite file shared by parallel kernels), and exits
by itself when its worker dies (ipykernel polls its parent); the folder of a
worker that was killed is removed by the next kernel to start.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import papermill as pm
from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

ENGINE = "polieco-warm"
KERNEL_NAME = "python3"
# a loaded two-core machine can take over a minute to start a kernel (papermill waits 60 s by default)
START_TIMEOUT = 300  # seconds
# run silently (no output, no execution count) before each notebook
RESET_CODE = "get_ipython().run_line_magic('reset', '-f')\nget_ipython().execution_count = 1\n"
KERNEL_ARGS = ["--HistoryManager.enabled=False"]
# after the warm-up's imports, their ~160,000 objects (modules, classes, functions: alive as long as the kernel)
# are set aside from the garbage collector, which otherwise walked them at each reset and each full collection:
# the reset between two notebooks took 0.28 s, 0.07 s after this
FREEZE_CODE = "import gc\ngc.collect()\ngc.freeze()\n"
# Arrow's buffers from malloc, not its own mimalloc pool, which keeps what a region's marts took after they
# are released: a warm kernel reads region after region (its peak after three demo notebooks: 351 -> 294 MB)
KERNEL_ENV = {"ARROW_DEFAULT_MEMORY_POOL": "system"}
# the executed notebook written once, when it is done (or has failed), not after every cell: papermill's
# default re-encoded and re-validated the whole notebook, its charts included, about 20 times a notebook
WRITE_ONCE = {"request_save_on_cell_execute": False}


class KernelResetError(RuntimeError):
    """The warm kernel could not be reset; the notebook is retried in a fresh kernel."""


class _ResettingClient(PapermillNotebookClient):
    """Papermill's client, clearing the warm kernel before the first cell."""

    def papermill_execute_cells(self) -> None:
        reply = self.wait_for_reply(self.kc.execute(RESET_CODE, silent=True, store_history=False))
        if reply is None or reply["content"].get("status") != "ok":
            raise KernelResetError("内核重置失败")
        super().papermill_execute_cells()

    async def _async_check_alive(self) -> None:
        # the kernel process itself, not its heartbeat: a kernel that exits is seen within a second
        # (a plain poll of the process; the manager's own is_alive would start a second event loop here)
        process = getattr(self.km.provisioner, "process", None)
        if process is None or process.poll() is not None:
            from nbclient.exceptions import DeadKernelError

            raise DeadKernelError("Kernel died")


class WarmEngine(NBClientEngine):
    """A papermill engine that executes on a kernel it is given (`km=`) and leaves it running."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=START_TIMEOUT, execution_timeout=None, km=None, **kwargs):
        if km is None or not km.has_kernel:
            raise ValueError("WarmEngine needs a running kernel (km=)")
        client = _ResettingClient(nb_man, km=km, kernel_name=kernel_name, log=logger, log_output=log_output,
                                  stdout_file=stdout_file, stderr_file=stderr_file, startup_timeout=start_timeout,
                                  timeout=execution_timeout)
        try:
            return client.execute()
        finally:  # the client's channels are ours to close; the kernel stays
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE, WarmEngine)


SOCKETS_PREFIX = "polieco-kernel-"  # + the owning worker's process id


def sweep_sockets(folder: Path | None = None) -> list[Path]:
    """Remove the socket folders of workers that are gone; the folders removed.

    A worker shuts its kernel down and removes its folder when it ends; one
    that is killed (a lost Dask worker, a stage stopped with kill -9) cannot,
    and its kernel exits by itself, so only the empty folder stays behind.
    """
    removed = []
    for sockets in Path(folder or tempfile.gettempdir()).glob(f"{SOCKETS_PREFIX}*-*"):
        owner = sockets.name[len(SOCKETS_PREFIX):].split("-", 1)[0]
        if not owner.isdigit() or not sockets.is_dir() or sockets.stat().st_uid != os.getuid():
            continue
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            shutil.rmtree(sockets, ignore_errors=True)
            removed.append(sockets)
        except PermissionError:  # alive, another user's
            pass
    return removed


class WarmKernel:
    """A kernel started once and reused; `restart()` gives a fresh one (after a failure or a crash)."""

    def __init__(self, cwd: Path, warm_up: str = ""):
        self.cwd = Path(cwd)
        self.warm_up = warm_up
        self.km: KernelManager | None = None
        self._sockets: Path | None = None
        self.notebooks = 0

    def start(self) -> None:
        sweep_sockets()
        self._sockets = Path(tempfile.mkdtemp(prefix=f"{SOCKETS_PREFIX}{os.getpid()}-"))  # mode 0700
        # papermill's client runs on an event loop: it must get asynchronous kernel clients (a blocking
        # one would stall the loop and never notice a kernel that died); our own calls use a blocking one
        self.km = KernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(self._sockets / "k"),
                                client_class="jupyter_client.asynchronous.AsyncKernelClient")
        self.km.start_kernel(cwd=str(self.cwd), extra_arguments=KERNEL_ARGS, env={**os.environ, **KERNEL_ENV})
        client = self.km.blocking_client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=START_TIMEOUT)
            if self.warm_up:  # the imports every notebook makes, paid here once
                for code in (self.warm_up, FREEZE_CODE):
                    client.execute_interactive(code, silent=True, store_history=False, timeout=START_TIMEOUT,
                                               output_hook=lambda msg: None)
        finally:
            client.stop_channels()
        self.notebooks = 0

    def execute(self, source: Path, target: Path, parameters: dict) -> None:
        """Parameterise `source` with papermill and execute it here into `target`."""
        if self.km is None or not self.km.is_alive():
            self.restart()
        self.notebooks += 1
        pm.execute_notebook(str(source), str(target), parameters=parameters, engine_name=ENGINE, km=self.km,
                            kernel_name=KERNEL_NAME, progress_bar=False, cwd=str(self.cwd), record_timing=False,
                            log_output=False, start_timeout=START_TIMEOUT, **WRITE_ONCE)

    def restart(self) -> None:
        self.shutdown()
        self.start()

    def shutdown(self) -> None:
        if self.km is not None:
            try:
                if self.km.is_alive():
                    self.km.shutdown_kernel(now=True)
            finally:
                self.km.cleanup_resources()
                self.km = None
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)
            self._sockets = None


def execute_cold(source: Path, target: Path, parameters: dict, cwd: Path) -> None:
    """The plain papermill call, a fresh kernel for one notebook (the reference warm runs are compared with)."""
    pm.execute_notebook(str(source), str(target), parameters=parameters, kernel_name=KERNEL_NAME,
                        progress_bar=False, cwd=str(cwd), record_timing=False, log_output=False,
                        start_timeout=START_TIMEOUT, **WRITE_ONCE)
