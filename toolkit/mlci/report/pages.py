"""HTML page skeletons from the jinja2 templates in `templates/`, autoescaped.

A template escapes every value it is given; a value that is already HTML (a section's
fragment, an inline SVG) must be built with `html.escape` on its parts and is passed
through the `safe` filter in the template.
"""

from __future__ import annotations

from typing import Any


def render_page(template: str, **context: Any) -> str:
    """`templates/TEMPLATE` rendered with `context` (StrictUndefined, autoescape on)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mlci.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(template).render(**context)
