# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Reproduce this book
#
# ```{admonition} Bottom line
# :class: tip bottom-line
#
# {glue:text}`bottom_line`
# ```
#
# Two commands rebuild everything from a clean clone: `make book` (the HTML you are reading) and
# `make test` (the test suite, including the R oracles). This page records the exact software
# this copy of the book was built with, captured when it was built.

# %% tags=["parameters", "remove-cell"]
results_dir = "../_build/results"
seed = 0

# %% tags=["hide-cell"]
import platform
import shutil
import subprocess
from importlib.metadata import version

import pandas as pd

from mst_helpers import bottom_line
from mst_helpers.environment import installed_packages
from mst_helpers.results import ChapterResults
from mst_helpers.tables import numbered_table

# %% tags=["hide-input"]
out = ChapterResults("13_reproduce", results_dir)
key = ["jupyter-book", "myst-nb", "sphinx", "papermill", "jupytext", "numpy", "pandas", "scipy", "statsmodels", "pandera",
       "lifelines", "scikit-survival", "comprisk", "pydeseq2", "gseapy", "matplotlib", "seaborn", "joblib"]
rows = [{"software": "Python", "version": platform.python_version()}]
rows += [{"software": name, "version": version(name)} for name in key]
rscript = shutil.which("Rscript")
r_version = subprocess.run([rscript, "--version"], capture_output=True, text=True).stdout.strip() or "" if rscript else ""
rows.append({"software": "R (oracle tests only)", "version": r_version.split("\n")[0] if r_version else "not installed on the build machine"})
out.record("python_version", platform.python_version())
numbered_table(pd.DataFrame(rows), "Key software of this build.", "tab-reproduce-key")

# %% [markdown]
# The build ran on Python {glue:text}`python_version`. The complete environment, as `pip freeze`
# would list it, follows (click to show); `pyproject.toml` and `environment.yml` pin the ranges.

# %% tags=["hide-input", "hide-output"]
frozen = installed_packages()
out.record("n_packages", len(frozen))
print("\n".join(frozen))

# %% tags=["remove-cell"]
out.show("bottom_line", bottom_line.reproduce(out.values))
path = out.write()
print(f"wrote {len(out.values)} results to {path}")
