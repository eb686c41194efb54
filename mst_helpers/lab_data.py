"""Real public datasets for the methods lab, read from the packages that ship them (no download).

Each loader returns a tidy, validated frame (a schema checks every column, as for the book's own
data files) with the names the lab chapters use. The data are the classic teaching sets whose
answers are published, so a student can compare the book's numbers with a textbook's and R's.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .schema import validate_frame

__all__ = ["leukemia", "LEUKEMIA_ARMS"]

#: The 6-MP trial's arms as ``lifelines.datasets.load_leukemia`` codes them (``Rx``).
LEUKEMIA_ARMS = {0: "6-MP", 1: "placebo"}


def leukemia() -> pd.DataFrame:
    """Freireich et al. (1963): remission of 42 children with acute leukaemia, 6-mercaptopurine
    against placebo (``lifelines.datasets.load_leukemia``; the version of Kleinbaum & Klein).

    Returns ``weeks`` (remission duration), ``relapse`` (1 = relapsed, 0 = censored), ``arm``
    (``"6-MP"`` or ``"placebo"``), ``placebo`` (0/1), ``log_wbc`` (log white-cell count) and ``male``.
    """
    from lifelines.datasets import load_leukemia

    raw = load_leukemia()
    schema = pa.DataFrameSchema({
        "t": pa.Column(float, coerce=True, checks=pa.Check.gt(0)),
        "status": pa.Column(int, coerce=True, checks=pa.Check.isin([0, 1])),
        "sex": pa.Column(int, coerce=True, checks=pa.Check.isin([0, 1])),
        "logWBC": pa.Column(float, coerce=True, checks=pa.Check.in_range(0, 10)),
        "Rx": pa.Column(int, coerce=True, checks=pa.Check.isin(list(LEUKEMIA_ARMS))),
    }, strict=True)
    valid = validate_frame(raw, schema, "lifelines.datasets.load_leukemia()")
    return pd.DataFrame({"weeks": valid["t"], "relapse": valid["status"], "arm": valid["Rx"].map(LEUKEMIA_ARMS),
                         "placebo": valid["Rx"], "log_wbc": valid["logWBC"], "male": valid["sex"]})
