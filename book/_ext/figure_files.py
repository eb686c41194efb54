"""Every figure links to its full-resolution PNG (click to enlarge) and offers an SVG download.

Chapters write each figure twice when they run (``ChapterResults.figure``): a PNG at the house
resolution and an SVG, as ``_build/figures/<key>.png|svg``, where ``<key>`` is the glue key
(``fig_survival_km``) and the figure's ``:name:`` is the same with hyphens
(``fig-survival-km``). This extension copies those files into the HTML output
(``_static/figures/``), makes the image a link to its PNG, and ends the caption with
"Full size: PNG · SVG". A figure without files is left as it is.
"""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path

from docutils import nodes

TARGET = "_static/figures"


def _figures_dir(app) -> Path:
    return Path(app.confdir) / app.config.mst_figures_dir


def _link_figures(app, doctree, docname):
    if app.builder.format != "html":
        return
    folder = _figures_dir(app)
    page_dir = posixpath.dirname(docname)
    for figure in doctree.findall(nodes.figure):
        names = [n for n in figure.get("names", []) if n.startswith("fig-")]
        if not names:
            continue
        key = names[0].replace("-", "_")
        if not (folder / f"{key}.png").exists():
            continue
        png = posixpath.relpath(f"{TARGET}/{key}.png", page_dir)
        svg = posixpath.relpath(f"{TARGET}/{key}.svg", page_dir)
        image = figure.next_node(nodes.image)
        if image is not None and not isinstance(image.parent, nodes.reference):
            link = nodes.reference("", "", refuri=png, classes=["mst-figure-enlarge"])
            image.replace_self(link)
            link += image
        links = nodes.raw("", f'<p class="mst-figure-files">Full size: <a href="{png}">PNG</a> · '
                              f'<a href="{svg}" download="{key}.svg">SVG</a></p>', format="html")
        caption = figure.next_node(nodes.caption)
        if caption is not None:
            caption.parent.insert(caption.parent.index(caption) + 1, links)
        else:
            figure += links


def _copy_figures(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    folder = _figures_dir(app)
    if not folder.is_dir():
        return
    target = Path(app.outdir) / TARGET
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.glob("fig_*.*")):
        if path.suffix in (".png", ".svg"):
            shutil.copyfile(path, target / path.name)


def setup(app):
    app.add_config_value("mst_figures_dir", "_build/figures", "html")
    app.connect("doctree-resolved", _link_figures)
    app.connect("build-finished", _copy_figures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
