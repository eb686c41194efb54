""""Run this chapter" links (Binder, Colab) at the top of every executed chapter.

Jupyter Book's own launch buttons open the page's source path, ``book/executed/<stem>.ipynb``,
which the build writes and git ignores; the notebooks readers should open are the paired
``notebooks/<stem>.ipynb``. This extension links those instead, for the repository named by
``mst_repository_url`` and ``mst_repository_branch`` (``_config.yml``). With no repository
configured it adds nothing. The links cannot be tested offline.
"""

from __future__ import annotations

from urllib.parse import quote

from docutils import nodes

PREFIX = "book/executed/"


def _links(repository: str, branch: str, stem: str) -> list[tuple[str, str]]:
    owner_repo = repository.rstrip("/").removeprefix("https://github.com/")
    notebook = f"notebooks/{stem}.ipynb"
    return [
        ("Binder", f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?labpath={quote(notebook, safe='')}"),
        ("Colab", f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook}"),
    ]


def _add_links(app, doctree, docname):
    repository = app.config.mst_repository_url
    if not repository or not docname.startswith(PREFIX):
        return
    stem = docname[len(PREFIX):]
    paragraph = nodes.paragraph(classes=["mst-launch-links"])
    paragraph += nodes.strong(text="Run this chapter: ")
    for i, (label, url) in enumerate(_links(repository, app.config.mst_repository_branch, stem)):
        if i:
            paragraph += nodes.Text(" · ")
        paragraph += nodes.reference(text=label, refuri=url)
    paragraph += nodes.Text(
        " — Binder starts the whole repository, ready to run. Colab opens the notebook alone: run "
    )
    paragraph += nodes.literal(text=f"!git clone {repository} repo && pip install -q -e repo")
    paragraph += nodes.Text(" and ")
    paragraph += nodes.literal(text="%cd repo/notebooks")
    paragraph += nodes.Text(" first. Or download the notebook with the button above.")
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is not None:
            # After the boxes that open the chapter (its Bottom line, the data warning): a reader
            # sees the result first, then how to rerun it.
            position = section.index(title) + 1
            while position < len(section) and isinstance(section[position], nodes.Admonition):
                position += 1
            section.insert(position, paragraph)
            return


def setup(app):
    app.add_config_value("mst_repository_url", "", "html")
    app.add_config_value("mst_repository_branch", "main", "html")
    app.connect("doctree-resolved", _add_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
