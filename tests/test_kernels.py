"""The kernels the build and the grader start (mst_helpers.kernels)."""

from __future__ import annotations

import nbformat
import pytest

from mst_helpers import kernels
from mst_helpers.build import _run_papermill


def test_the_kernel_manager_asks_for_encryption_where_it_exists():
    import zmq
    from jupyter_client.manager import KernelManager

    config = kernels.kernel_manager_config()
    supported = "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve")
    assert (config.KernelManager.get("transport_encryption") == "auto") is supported


def test_a_chapter_kernel_starts_without_a_warning(tmp_path, capfd):
    """papermill's kernel (a subprocess writing to our stderr) starts silently and runs the cell."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    _run_papermill(nb, tmp_path / "in.ipynb", tmp_path / "out.ipynb", kernels.kernel_name(), tmp_path)
    out, err = capfd.readouterr()
    assert "WARNING" not in out + err, out + err
    assert nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[0].outputs[0]["text"] == "42\n"


def test_otter_gets_the_same_kernel_config_inside_the_block_only():
    import nbconvert.preprocessors

    original = nbconvert.preprocessors.ExecutePreprocessor
    with kernels.encrypted_grading_kernels():
        from nbconvert.preprocessors import ExecutePreprocessor   # as otter.execute imports it

        assert ExecutePreprocessor is not original and issubclass(ExecutePreprocessor, original)
        made = ExecutePreprocessor(config=None)
        expected = kernels.kernel_manager_config().KernelManager.get("transport_encryption")
        assert made.config.KernelManager.get("transport_encryption") == expected
    assert nbconvert.preprocessors.ExecutePreprocessor is original
