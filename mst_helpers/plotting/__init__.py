"""The book's figures, one module per figure family, in one house style (:mod:`.style`).

- :mod:`.style`: palette, group colours, :func:`use_house_style`, figure-size limits;
- :mod:`.cohort`: follow-up, swimmer lanes, blood counts, adverse events, chimerism;
- :mod:`.survival_curves`: Kaplan–Meier and cumulative-incidence figures with risk tables, forest plots;
- :mod:`.audit`: p-value attribution, reconstruction spread, attainable ranges;
- :mod:`.transcriptomics`: RNA-seq figures;
- :mod:`.causal`, :mod:`.diagnostics`, :mod:`.scorecard`: chapter-specific figures.

Every public name of the first five is available here (``from mst_helpers.plotting import
km_figure``); its module is imported only when the name is first used (:mod:`..lazy_exports`), so
a chapter runs, and the build re-runs it for, only the figure modules it draws with.
"""

from ..lazy_exports import install

_LAZY_SUBMODULES = ("style", "cohort", "survival_curves", "audit", "transcriptomics")
install(globals())
