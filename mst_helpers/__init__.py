"""Helpers behind the *mst-aml-book* reproduction of Liu et al. (2026).

One concept per module, named in the paper's vocabulary:

- :mod:`mst_helpers.schema` — validating a data file and reporting file, row and column;
- :mod:`mst_helpers.claims` — the registry of every number the paper prints;
- :mod:`mst_helpers.pvalues` — chi-square, Fisher (r x c) and t-tests from published summaries;
- :mod:`mst_helpers.audit` — the internal-consistency audit of the paper's numbers;
- :mod:`mst_helpers.results` — results files and glue;
- :mod:`mst_helpers.plotting` — the book's one figure style;
- :mod:`mst_helpers.build` — incremental execution of the notebooks and the HTML build;
- :mod:`mst_helpers.manifest` — the shipped data files' checksums and how to regenerate each.
- :mod:`mst_helpers.transcriptomics`, :mod:`mst_helpers.rnaseq_simulation`, :mod:`mst_helpers.gene_sets` — the
  RNA-seq analysis, the simulated counts it runs on, and the offline gene sets;
- :mod:`mst_helpers.kernels` — the Jupyter kernels the build and the grader start;
- :mod:`mst_helpers.lazy_exports` — packages (``plotting``) that load a submodule when one of its names is used.
"""

__version__ = "0.1.0"
