"""The student edition: solutions out, glued numbers in, readable in plain Jupyter."""

from __future__ import annotations

import re

import nbformat
import pytest

from mst_helpers.assignments import ASSIGNMENTS_DIR, masters, solution_lines
from mst_helpers.student import student_notebook

from .conftest import build_in

EXERCISE = """## Exercises

```{exercise} Median by hand
:label: ex-median

Read the median from {numref}`fig-km-age` and compare it with {glue:text}`median:.1f` months
({cite:p}`kaplan1958`).
```

````{solution} ex-median
:class: dropdown

The median is {glue:text}`median:.1f` months:

```python
km.median_survival_time_
```
````

(sec-next)=
```{glue:figure} fig_km
:name: fig-km-age
:alt: Two curves.

Kaplan–Meier curves by age.
```
"""


def _notebook(markdown: str, glued: dict[str, str]):
    nb = nbformat.v4.new_notebook()
    outputs = [nbformat.v4.new_output("display_data", data={"application/papermill.record/text/plain": value},
                                      metadata={"scrapbook": {"name": key, "mime_prefix": "application/papermill.record/"}})
               for key, value in glued.items()]
    code = nbformat.v4.new_code_cell("glue(...)")
    code.outputs = outputs
    nb.cells = [code, nbformat.v4.new_markdown_cell(markdown)]
    return nb


def test_solutions_go_and_glued_values_come_in():
    nb, figures = student_notebook(_notebook(EXERCISE, {"median": "14.25", "unused": "'x'"}))
    text = nb.cells[1].source
    assert "The median is" not in text and "median_survival_time_" not in text      # the solution, nested fence and all
    assert "> **Exercise: Median by hand**" in text
    assert "compare it with 14.2 months" in text                                        # myst-nb's rounding: format(14.25, ".1f")
    assert "the figure *km age*" in text and "(kaplan1958)" in text
    assert "![Kaplan–Meier curves by age.](figures/fig_km.png)" in text and figures == {"fig_km"}
    assert not re.search(r"\{[\w:-]+\}`|```\{|^:label:|\(sec-next\)=", text, re.M)
    assert "glue(...)" == nb.cells[0].source and nb.cells[0].outputs                    # code and outputs kept


def test_a_missing_glued_value_is_an_error_not_a_blank():
    with pytest.raises(KeyError, match="median"):
        student_notebook(_notebook("{glue:text}`median`", {}))


@pytest.mark.book
def test_make_student_writes_every_chapter_without_solutions(built):
    """``python -m mst_helpers.build student`` on the built book: at least six notebooks, no
    solution and no MyST markup left, every shown figure beside them; the book's own notebooks
    (the downloads) still hold their solutions."""
    project = built[0]
    run = build_in(project, "student")
    assert run.returncode == 0, run.stderr
    folder = project / "_build" / "student"
    notebooks = sorted(folder.glob("*.ipynb"))
    assert len(notebooks) >= 6 and (folder / "README.md").exists()
    exercises = 0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        markdown = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
        assert "{solution}" not in markdown and not re.search(r"\{glue|```\{", markdown), path.name
        exercises += markdown.count("**Exercise")
        for figure in re.findall(r"\]\((figures/[^)]+\.png)\)", markdown):
            assert (folder / figure).exists(), figure
        book_copy = nbformat.read(project / "book" / "executed" / path.name, as_version=4)
        solutions = sum(cell.source.count("{solution}") for cell in book_copy.cells if cell.cell_type == "markdown")
        assert solutions == sum(cell.source.count("{exercise}") for cell in book_copy.cells if cell.cell_type == "markdown")
    assert exercises >= 19
    # The autograded assignments: one folder each, notebook (public tests inside) and its data.
    assignments = sorted((folder / "assignments").glob("*/*.ipynb"))
    assert [p.stem for p in assignments] == [p.stem for p in masters(project)] and len(assignments) >= 6
    for path in assignments:
        code = {line.strip() for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
                for line in cell.source.splitlines()}
        assert not solution_lines(project / ASSIGNMENTS_DIR / f"{path.stem}.py") & code, path.name
        for data in re.findall(r'read_csv\("([^"]+)"', "\n".join(code)):
            assert (path.parent / data).exists(), f"{path.name} reads {data}"
