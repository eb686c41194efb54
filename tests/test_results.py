"""Tests of mst_helpers.results: plain values, results files, collecting them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mst_helpers.results import ChapterResults, collect_results, plain, read_results, write_results


def test_plain_converts_numpy():
    assert plain(np.float64(0.5)) == 0.5 and type(plain(np.float64(0.5))) is float
    assert plain(np.int64(3)) == 3 and type(plain(np.int64(3))) is int
    assert plain(True) == 1 and plain("x") == "x"
    with pytest.raises(ValueError):
        plain(float("nan"))
    with pytest.raises(TypeError):
        plain([1, 2])


def test_write_read_collect(tmp_path):
    write_results("02_b", {"z": 1, "a": np.float64(2.5)}, tmp_path)
    write_results("01_a", {"k": "text"}, tmp_path)
    text = (tmp_path / "02_b.json").read_text()
    assert list(json.loads(text)) == ["a", "z"]  # sorted: deterministic files
    assert read_results(tmp_path / "01_a.json") == {"k": "text"}
    table = collect_results(tmp_path)
    assert table.values.tolist() == [["01_a", "k", "text"], ["02_b", "a", 2.5], ["02_b", "z", 1]]


def test_chapter_results_refuses_a_key_twice(tmp_path):
    out = ChapterResults("00_x", tmp_path, glue=False)
    out.record("n", 1)
    with pytest.raises(KeyError, match="recorded twice"):
        out.record("n", 2)
    assert read_results(out.write()) == {"n": 1}


def test_record_tests_keeps_the_authors_and_the_alternative_p(tmp_path):
    import pandas as pd

    out = ChapterResults("03_demo", tmp_path, glue=False)
    out.record_tests(pd.DataFrame({"p_id": ["t1.sex.p", "t1.age.p"], "p": [0.5, 0.04], "p_alternative": [0.7, 0.06]}))
    assert out.values == {"recomputed.t1.sex.p": 0.5, "alternative.t1.sex.p": 0.7,
                          "recomputed.t1.age.p": 0.04, "alternative.t1.age.p": 0.06}
    with pytest.raises(KeyError, match="recorded twice"):
        out.record_tests(pd.DataFrame({"p_id": ["t1.sex.p"], "p": [0.5], "p_alternative": [0.7]}))


@pytest.mark.parametrize("value", [3, 0.123456789, "p < 0.001", "Lysosome (hsa04142)"], ids=repr)
def test_glue_writes_exactly_what_myst_nb_glue_writes(monkeypatch, value):
    """results.glue avoids importing myst-nb into every kernel; the output myst-nb reads back
    (data under the papermill.record prefix, scrapbook metadata) must be the same."""
    import IPython.display
    import myst_nb.ext.glue as myst_glue
    from IPython.display import Image

    from mst_helpers import results

    calls = []
    record = lambda data, raw, metadata: calls.append((data, raw, metadata))   # noqa: E731
    monkeypatch.setattr(myst_glue, "ipy_display", record)
    monkeypatch.setattr(IPython.display, "display", record)
    png = Image(data=b"\x89PNG\r\n\x1a\n" + bytes(32), format="png")
    for item in (value, png):
        myst_glue.glue("key", item, display=False)
        results.glue("key", item)
        assert calls[-2] == calls[-1] and calls[-1][2]["scrapbook"]["mime_prefix"] == myst_glue.GLUE_PREFIX == results.GLUE_PREFIX
