"""Where local worker processes come from: a fork server with the model loaded.

Kept free of heavy imports so that `ipc-sim run` can start the server first thing, and the
server imports the model while the main process does the same: a two-worker batch then pays
for one import's time, not three in a row.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver

SERVER_PRELOAD = ["sim.worker_server"]  # the model, and ending with the main process


def worker_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a server that has imported the model once (`forkserver` with the
    package preloaded): each starts in milliseconds instead of importing numpy, pandas, SciPy,
    Mesa and SimPy afresh, and none inherits the main process's threads. `spawn` where there
    is no fork server (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(SERVER_PRELOAD)
    return context


def start_worker_server() -> None:
    """Start the fork server now (it loads the model in parallel with the caller)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        worker_context()
        multiprocessing.forkserver.ensure_running()
