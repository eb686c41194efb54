"""The student edition: every chapter notebook without its solutions, readable in plain Jupyter.

The book's notebooks are MyST notebooks: exercises and solutions are ``{exercise}`` and
``{solution}`` directives, numbers are ``{glue:text}`` roles filled in when the book is built,
figures are ``{glue:figure}`` directives. Opened in plain Jupyter (without ``jupyterlab-myst``),
all of that shows as raw markup — and the solutions are right there. :func:`student_notebook`
turns an *executed* chapter notebook into one a student can open anywhere:

* every ``{solution}`` block is removed (the ``{exercise}`` stays, as a bold heading);
* every glued value is written in, formatted as the book formats it (myst-nb's own
  ``format_plain_text``), and every glued figure becomes an image beside the notebook;
* cross-references and citations become their text; other directives become a bold title
  followed by their body; option lines and label targets are dropped.

Code cells and their outputs are kept, so the notebook still runs. ``python -m
mst_helpers.build student`` writes the edition to ``_build/student/`` with a README for students.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

__all__ = ["student_notebook", "glued_values", "write_student_edition", "STUDENT_README"]

# A fenced directive: opening fence (``` or more, or :::), its name and argument, body, same fence closing.
_DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<argument>[^\n]*)\n"
                        r"(?P<body>.*?)^(?P=fence)[ \t]*$\n?", re.M | re.S)
_OPTION = re.compile(r"^:[\w-]+:[^\n]*\n?", re.M)
_TARGET = re.compile(r"^\([\w-]+\)=[ \t]*\n?", re.M)
_GLUE_ROLE = re.compile(r"\{glue(?::text|:any)?\}`(?P<content>[^`]+)`")
_TEXT_ROLE = re.compile(r"\{(?:numref|ref|doc|download|term|eq)\}`(?P<content>[^`]+)`")
_CITE_ROLE = re.compile(r"\{cite(?::[pt])?\}`(?P<content>[^`]+)`")

STUDENT_README = """# Student notebooks

These are the chapters of *mst-aml-book* with the solutions taken out. Each notebook runs
from top to bottom in plain Jupyter (JupyterLab, Notebook, VS Code, Colab) once the project is
installed (`make install` in the project folder, then choose the kernel "Python (mst-aml-book)").

- The numbers in the text are the ones the book printed when these notebooks were made; if you
  change a parameter and rerun, the code cells give your new numbers.
- Exercises are marked **Exercise**. Write your answers in new cells under each one.
- Figures the text refers to are in `figures/`.
- The solutions are in the book itself (each exercise has a *Solution* drop-down).

## Autograded assignments

`assignments/<name>/` holds one coding assignment per survival chapter and methods lab: a notebook
and the data it reads. Replace each `...` with your code, then run the `grader.check("...")` cell
under the question: it runs the question's public tests and says what is wrong. Your teacher grades
the notebook you hand in with further, hidden tests (`make grade`). Outside the book's environment
(Colab, say) install the packages first: `pip install otter-grader lifelines scikit-survival comprisk`.
"""


def glued_values(nb) -> dict[str, str]:
    """The ``text/plain`` of every value glued in an executed notebook, by key."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            # glue(display=False) stores the value under papermill's record prefix.
            plain = output.get("data", {}).get(record.get("mime_prefix", "") + "text/plain")
            if record.get("name") and plain is not None:
                values[record["name"]] = plain
    return values


def _paste(content: str, values: dict[str, str]) -> str:
    from myst_nb.core.variables import format_plain_text

    key, _, spec = content.rpartition(":") if ":" in content else (content, "", "")
    if key not in values:           # a colon belonging to the key itself, e.g. "a:b"
        key, spec = content, ""
    if key not in values:
        raise KeyError(f"no glued value named {key!r}")
    return format_plain_text(values[key], spec)


def _role_text(content: str) -> str:
    """``text <label>`` → text; a bare figure or table label → "the figure *its name*"."""
    match = re.match(r"^(?P<text>.*?)\s*<[^>]+>$", content, re.S)
    if match:
        return match.group("text")
    kind, _, name = content.partition("-")
    if kind in ("fig", "tab") and name:
        return f"the {'figure' if kind == 'fig' else 'table'} *{name.replace('-', ' ')}*"
    return content


def _markdown(text: str, values: dict[str, str], figures: set[str]) -> str:
    def directive(match: re.Match) -> str:
        name, argument, body = match["name"], match["argument"].strip(), match["body"]
        if name == "solution":
            return ""
        body = _OPTION.sub("", body).strip("\n")
        if name == "glue:figure":
            figures.add(argument)
            caption = " ".join(line.strip() for line in body.splitlines() if line.strip())
            return f"![{caption}](figures/{argument}.png)\n\n*{caption}*\n"
        title = {"exercise": f"Exercise: {argument}" if argument else "Exercise"}.get(name, argument or name.title())
        inner = _DIRECTIVE.sub(directive, body + "\n").strip("\n")
        quoted = "\n".join(f"> {line}" if line else ">" for line in inner.splitlines())
        return f"> **{title}**\n>\n{quoted}\n"

    text = _DIRECTIVE.sub(directive, text)
    text = _TARGET.sub("", text)
    text = _GLUE_ROLE.sub(lambda m: _paste(m["content"], values), text)
    text = _TEXT_ROLE.sub(lambda m: _role_text(m["content"]), text)
    text = _CITE_ROLE.sub(lambda m: "(" + m["content"].replace(",", ", ") + ")", text)
    return text


def student_notebook(nb, values: dict[str, str] | None = None) -> tuple[object, set[str]]:
    """A copy of executed notebook ``nb`` for students (see the module docstring).

    Returns the notebook and the keys of the glued figures its text shows (their PNGs belong
    in ``figures/`` beside it).
    """
    import copy

    values = glued_values(nb) if values is None else values
    nb = copy.deepcopy(nb)
    figures: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _markdown(cell.source, values, figures)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                data["text/markdown"] = _markdown(data["text/markdown"], values, figures)
    nb.cells = [cell for cell in nb.cells if cell.cell_type != "markdown" or cell.source.strip()]
    return nb, figures


def write_student_edition(executed_dir: Path, figures_dir: Path, out_dir: Path) -> list[Path]:
    """Write the student edition of every executed chapter in ``executed_dir`` to ``out_dir``:
    the notebooks, the figures their text shows, and ``README.md``. Returns the notebooks written."""
    import nbformat

    out_dir = Path(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    (out_dir / "figures").mkdir(parents=True)
    written = []
    for path in sorted(Path(executed_dir).glob("*.ipynb")):
        nb, figures = student_notebook(nbformat.read(path, as_version=4))
        for key in sorted(figures):
            shutil.copyfile(Path(figures_dir) / f"{key}.png", out_dir / "figures" / f"{key}.png")
        target = out_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
    (out_dir / "README.md").write_text(STUDENT_README, encoding="utf-8")
    return written
