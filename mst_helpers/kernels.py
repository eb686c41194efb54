"""The Jupyter kernels the book starts: which kernel, with what environment, over which sockets.

The build (:mod:`mst_helpers.build`, through papermill) and the grader
(:mod:`mst_helpers.assignments`, through otter and nbconvert) each start one kernel per notebook.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["KERNEL_NAME", "kernel_name", "kernel_environment", "kernel_manager_config", "encrypted_grading_kernels"]

#: The kernelspec ``make install`` registers for this environment.
KERNEL_NAME = "mst-aml-book"


def kernel_name() -> str:
    """:data:`KERNEL_NAME` when it is installed, else the environment's own ``python3`` kernel
    (a fresh checkout run outside ``make`` still works)."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def kernel_environment(root: Path) -> None:
    """Kernels import this checkout's helpers, and BLAS stays on one thread (reproducible, fast on 2 cores)."""
    os.environ["PYTHONPATH"] = os.pathsep.join([str(root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def kernel_manager_config():
    """Traitlets config for the kernel managers we create: encrypted sockets where possible.

    ipykernel >= 7.4 warns at every start that its TCP sockets carry code and outputs in plain
    text, and points to CurveZMQ keys provisioned by the kernel manager (jupyter_client >= 8.8,
    for kernelspecs that declare ``supported_encryption``, as ipykernel's do). ``"auto"``
    provisions them where both sides support it and changes nothing elsewhere. IPC sockets would
    silence the warning too, but do not exist on Windows and fail on long home paths (a socket
    path has at most ~104 characters).
    """
    import zmq
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    if "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve"):
        return Config({"KernelManager": {"transport_encryption": "auto"}})
    return Config()


@contextlib.contextmanager
def encrypted_grading_kernels():
    """Inside this block, otter's grading kernels use :func:`kernel_manager_config` too.

    ``otter.execute`` builds its ``ExecutePreprocessor`` from a fresh config of its own, imported
    from ``nbconvert.preprocessors`` when it runs; a subclass that adds ours is put in its place
    for the duration of the block (grading runs in worker processes, so nothing else sees it).
    """
    from unittest import mock

    import nbconvert.preprocessors
    from traitlets.config import Config

    base = nbconvert.preprocessors.ExecutePreprocessor

    class EncryptedExecutePreprocessor(base):
        def __init__(self, **kwargs):
            config = Config(kwargs.pop("config", None) or {})
            config.merge(kernel_manager_config())
            super().__init__(config=config, **kwargs)

    with mock.patch.object(nbconvert.preprocessors, "ExecutePreprocessor", EncryptedExecutePreprocessor):
        yield
