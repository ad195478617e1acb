"""Sphinx extension: write each <script> once per page.

With Sphinx 7.4, the inline configuration scripts that sphinx-thebe and sphinx-togglebutton add
after the builder starts reach the page twice (once with filename None, once with ''); the
second `const THEBE_JS_URL` is a SyntaxError in the browser console (tests/test_book.py fails on
console errors). Dropping exact repeats keeps the first copy of every script and the order of
the rest.
"""


def _unique_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # Sphinx stores the same inline script once with filename None and once with ''.
        key = (script.filename or "", script.priority, repr(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
