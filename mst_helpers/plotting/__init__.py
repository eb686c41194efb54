"""The book's figures, one module per figure family, in one house style (:mod:`.style`).

- :mod:`.style`: palette, group colours, :func:`use_house_style`, figure-size limits;
- :mod:`.cohort`: follow-up, swimmer lanes, blood counts, adverse events, chimerism;
- :mod:`.survival_curves`: Kaplan–Meier and cumulative-incidence figures with risk tables, forest plots;
- :mod:`.audit`: p-value attribution, reconstruction spread, attainable ranges;
- :mod:`.transcriptomics`: RNA-seq figures;
- :mod:`.causal`, :mod:`.diagnostics`, :mod:`.scorecard`: chapter-specific figures.
"""

from .style import *  # noqa: F401,F403
from .cohort import *  # noqa: F401,F403
from .survival_curves import *  # noqa: F401,F403
from .audit import *  # noqa: F401,F403
from .transcriptomics import *  # noqa: F401,F403
from . import audit, cohort, style, survival_curves, transcriptomics

__all__ = style.__all__ + cohort.__all__ + survival_curves.__all__ + audit.__all__ + transcriptomics.__all__
