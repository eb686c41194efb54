"""Software versions printed in the Methods against the releases they belong to.

A Bioconductor package version belongs to one Bioconductor release (its major.minor, e.g.
DESeq2 1.20.x to release 3.7), and each release runs on one R major.minor (3.7 on R 3.5). The
Methods print the versions of R, DESeq2 and clusterProfiler; if the packages' releases need an R
other than the one printed, the three cannot have been used together as stated.
``data/published/bioconductor_releases.csv`` records the releases (from the Bioconductor release
announcements) and is validated on load.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..schema import read_validated_csv
from .records import _index, _printed, _row

__all__ = ["load_releases", "version_checks"]

_VERSION = r"^\d+\.\d+$"


def releases_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        "bioc_release": pa.Column(str, pa.Check.str_matches(_VERSION), unique=True),
        "year": pa.Column(int, pa.Check.in_range(2000, 2100), coerce=True),
        "r_version": pa.Column(str, pa.Check.str_matches(_VERSION)),
        "deseq2": pa.Column(str, pa.Check.str_matches(_VERSION), unique=True),
        "clusterprofiler": pa.Column(str, pa.Check.str_matches(_VERSION), unique=True),
    }, strict=True)


def load_releases(path: str | Path) -> pd.DataFrame:
    """Read and validate the Bioconductor release table (file, row and column named on error)."""
    return read_validated_csv(path, releases_schema(), id_column="bioc_release")


def _minor(version: str) -> str:
    return ".".join(str(version).split(".")[:2])


def version_checks(claims: pd.DataFrame, releases: pd.DataFrame,
                   packages=(("meth.deseq2_version", "deseq2", "DESeq2"),
                             ("meth.clusterprofiler_version", "clusterprofiler", "clusterProfiler")),
                   r_id: str = "meth.r_version") -> pd.DataFrame:
    """Each printed package version: which Bioconductor release it belongs to, and whether that
    release runs on the printed R version."""
    c = _index(claims)
    r_printed = _printed(c, r_id)
    rows = []
    for claim_id, column, name in packages:
        printed = _printed(c, claim_id)
        match = releases[releases[column] == _minor(printed)]
        if match.empty:
            rows.append(_row(f"{name} {printed} belongs to a known Bioconductor release", "version", [claim_id], printed,
                             "no release", False, cause=f"{name} {printed} is in no release of the table",
                             evidence=f"releases listed: {', '.join(releases['bioc_release'])}"))
            continue
        release = match.iloc[0]
        ok = release["r_version"] == _minor(r_printed)
        same_r = releases[releases["r_version"] == _minor(r_printed)]
        rows.append(_row(f"{name} {printed} runs on R {r_printed}", "version", [claim_id, r_id], printed,
                         f"Bioconductor {release['bioc_release']} ({release['year']}), R {release['r_version']}", ok,
                         cause=f"{name} {printed} belongs to Bioconductor {release['bioc_release']}, built for R "
                               f"{release['r_version']}, not the R {r_printed} the Methods name: the versions do not belong "
                               "together (the analysis ran on an older R, or a version is misprinted)",
                         evidence=f"{name} {_minor(printed)} = Bioconductor {release['bioc_release']} ({release['year']}, R "
                                  f"{release['r_version']}); R {_minor(r_printed)} pairs with {name} "
                                  + ", ".join(same_r[column]) + " (Bioconductor " + ", ".join(same_r["bioc_release"]) + ")"))
    return pd.DataFrame(rows)
