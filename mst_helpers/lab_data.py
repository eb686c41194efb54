"""Real public datasets for the methods lab, read from the packages that ship them (no download).

Each loader returns a tidy, validated frame (a schema checks every column, as for the book's own
data files) with the names the lab chapters use. The data are the classic teaching sets whose
answers are published, so a student can compare the book's numbers with a textbook's and R's.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .schema import validate_frame

__all__ = ["leukemia", "LEUKEMIA_ARMS", "stanford_heart", "bmt", "BMT_CAUSES", "read_r_reference"]

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


def stanford_heart() -> pd.DataFrame:
    """The Stanford heart-transplant programme (Crowley & Hu 1977), in counting-process form:
    103 patients accepted for a transplant between 1967 and 1974, 69 of whom received one
    (``lifelines.datasets.load_stanford_heart_transplants``; R's ``survival::heart``).

    One row per patient and interval: ``patient_id``, ``start``, ``stop`` (days since acceptance
    into the programme), ``event`` (1 = died at ``stop``), ``transplant`` (0 while waiting, 1 from
    the transplant on), ``age`` (years, minus 48), ``year`` (of acceptance, years since
    1 November 1967) and ``surgery`` (1 = prior bypass surgery). A patient transplanted during
    follow-up has two rows: waiting (0, transplant day] without an event, then transplanted.
    """
    from lifelines.datasets import load_stanford_heart_transplants

    raw = load_stanford_heart_transplants()
    schema = pa.DataFrameSchema({
        "start": pa.Column(float, coerce=True, checks=pa.Check.ge(0)),
        "stop": pa.Column(float, coerce=True, checks=pa.Check.gt(0)),
        "event": pa.Column(int, coerce=True, checks=pa.Check.isin([0, 1])),
        "age": pa.Column(float, coerce=True, checks=pa.Check.in_range(-48, 60)),
        "year": pa.Column(float, coerce=True, checks=pa.Check.in_range(-1, 10)),
        "surgery": pa.Column(int, coerce=True, checks=pa.Check.isin([0, 1])),
        "transplant": pa.Column(int, coerce=True, checks=pa.Check.isin([0, 1])),
        "id": pa.Column(int, coerce=True),
    }, strict=True, checks=pa.Check(lambda d: d["start"] < d["stop"], error="start < stop"))
    valid = validate_frame(raw, schema, "lifelines.datasets.load_stanford_heart_transplants()")
    return pd.DataFrame({"patient_id": valid["id"], "start": valid["start"], "stop": valid["stop"],
                         "event": valid["event"], "transplant": valid["transplant"], "age": valid["age"],
                         "year": valid["year"], "surgery": valid["surgery"]}).reset_index(drop=True)



#: Scrucca et al.'s event codes as ``sksurv.datasets.load_bmt`` ships them (``status``).
BMT_CAUSES = {1: "transplant-related death", 2: "relapse"}


def bmt() -> pd.DataFrame:
    """Scrucca, Santucci & Aversa (2007): 35 adults with acute leukaemia after a haematopoietic
    stem-cell transplant, followed for relapse and transplant-related death (TRM), the teaching
    data of their guide to competing risks for clinicians (``sksurv.datasets.load_bmt``).

    Returns ``months`` (time from transplant to the first event or last contact), ``event``
    (0 = censored, 1 = transplant-related death, 2 = relapse; ``cmprsk``'s coding), ``disease``
    (``"ALL"`` or ``"AML"``) and ``aml`` (0/1).
    """
    from sksurv.datasets import load_bmt

    x, y = load_bmt()
    raw = pd.DataFrame({"dis": x["dis"].astype(int).to_numpy(), "status": y["status"], "ftime": y["ftime"]})
    schema = pa.DataFrameSchema({
        "dis": pa.Column(int, checks=pa.Check.isin([0, 1])),
        "status": pa.Column(int, coerce=True, checks=pa.Check.isin([0, *BMT_CAUSES])),
        "ftime": pa.Column(float, coerce=True, checks=pa.Check.ge(0)),
    }, strict=True)
    valid = validate_frame(raw, schema, "sksurv.datasets.load_bmt()")
    return pd.DataFrame({"months": valid["ftime"], "event": valid["status"],
                         "disease": valid["dis"].map({0: "ALL", 1: "AML"}), "aml": valid["dis"]})


def read_r_reference(path) -> dict[tuple[str, str], float]:
    """A lab's R reference values (``tests/fixtures/lab/*_reference.csv``: quantity, term, value)
    as ``{(quantity, term): value}``, for the chapter that shows them and the tests that check them."""
    ref = pd.read_csv(path)
    return {(quantity, term): float(value) for quantity, term, value in ref[["quantity", "term", "value"]].itertuples(index=False)}
