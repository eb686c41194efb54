"""Drop duplicate <script> entries from each page.

sphinx-thebe and sphinx-togglebutton add their inline configuration scripts twice in a Jupyter
Book build (once with ``filename=None``, once with ``filename=''``); every page then declares
``const THEBE_JS_URL`` twice and the browser logs a SyntaxError. Keeping the first of scripts
with the same source and attributes fixes that.
"""


def _key(script) -> tuple:
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
