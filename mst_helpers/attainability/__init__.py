"""What could *any* cohort consistent with the paper give? Attainable ranges of printed tests.

A rank test (log-rank, Gray) and the Cox partial likelihood depend on the survival times only
through their **order**: which group's event comes first, which ties. The printed aggregates fix
how many events of each kind each group has inside each landmark interval (1, 3 and 5 years,
the early-death window, …); they leave the order *inside* an interval free. This module turns
that into an exact search space and searches it:

* an :class:`ItemClass` is a set of interchangeable events (same group, same kind) that must
  fall inside a time interval ``[lo, hi]`` (days on the test's time axis);
* an **ordering** is a sequence of blocks (events on the same day form one block, a tie);
  it is feasible when every block can be given a day inside all its members' intervals, the
  days strictly increasing (checked greedily, which is exact);
* :func:`logrank_range` enumerates **every** feasible ordering by dynamic programming over
  (events left per class, current day), keeping the distinct (O − E, variance) pairs, so its
  minimum and maximum are the minimum and maximum (``method = "exhaustive"``);
* :func:`search_range` runs a seeded local search with restarts for statistics that do not
  decompose (Gray's test, the Cox hazard ratio): its maximum is a lower bound on the maximum
  and its minimum an upper bound on the minimum (``method = "search"``).

Three spaces are built for each comparison (:func:`build_spaces`):

``landmark``
    The relaxation: each group's events only inside the landmark intervals the printed
    counts fix. Every cohort meeting the targets lies in it (a proof space: a value outside its
    exhaustive range is unattainable).
``relaxed``
    Orderings a cohort of the book's data model can realise while meeting every target, with
    the loosest timing rules (:data:`RELAXED`): chemotherapy up to 330 days after diagnosis,
    consolidation courses 28 days apart.
``protocol``
    The same with the paper's Methods (:data:`PROTOCOL`): chemotherapy within 14 days of
    diagnosis, consolidation courses about three months (at least 80 days) apart.

Witnesses are real cohorts: :func:`realise` turns an ordering into event days, builds the
cohort with :func:`mst_helpers.reconstruct.reconstruct` (``timing`` overrides) and
:func:`mst_helpers.targets.unmet_targets` confirms it meets every target.
"""

from __future__ import annotations

from .orderings import (InfeasibleTargets, ItemClass, Range, Space, count_orderings, feasible, iter_orderings,
                        logrank_from_blocks, logrank_range)
from .search import search_range
from .spaces import PROTOCOL, RELAXED, STATISTICS, TimingRules, base_slots, build_spaces, realise, statistic_function
from .verdicts import (SEED_COLUMNS, describe, format_range, framework_label, from_diagnosis_all_deaths, impossibility_sentences,
                       run, verdict)

__all__ = ["ItemClass", "Space", "TimingRules", "PROTOCOL", "RELAXED", "STATISTICS", "InfeasibleTargets",
           "feasible", "iter_orderings", "count_orderings", "logrank_from_blocks", "logrank_range", "search_range",
           "build_spaces", "base_slots", "statistic_function", "realise", "verdict", "run", "Range", "SEED_COLUMNS", "framework_label",
           "from_diagnosis_all_deaths", "impossibility_sentences", "format_range", "describe"]
