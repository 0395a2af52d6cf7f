"""The report's sections: one ordered list, rendered to markdown and to HTML.

Order follows what a reviewer asks first: may it ship (summary and gates), by how
much did it change (metrics), why (params), what it looks like (plots), on what data
(lineage, data checks), where is the rest (links).

A `Section` is four things:

- `name`: a stable identifier (the JSON report lists the sections by it);
- `build(inputs: ReportInputs) -> data | None`: what the section shows, taken from
  the report's inputs; `None` when it has nothing to say, and then it is left out of
  both the comment and the HTML page;
- `markdown(data) -> str`: the section's markdown, its `###` heading included;
- `html(data) -> str`: an HTML fragment, its `<h2>` included. Every value that comes
  from user data (metric, column and file names) goes through `html.escape` (the
  helpers in `mlci.report.html` do it); the page around the fragments is the jinja2
  template `templates/report.html.j2` (autoescaped).

Adding a section (a sweep's candidates, a model card) is one line in `SECTIONS`, in
the place it should appear, once its three functions exist:

    Section("model_card", build_model_card, model_card_markdown, model_card_html),

If it needs an input the report does not have yet, add a field to `ReportInputs`
and a parameter to `report_from_parts` that fills it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mlci.data.quality import QualityReport
from mlci.report import html as h
from mlci.report import images as img
from mlci.report import markdown as md
from mlci.report import training_notes as tn
from mlci.report.links import ReportLinks
from mlci.report.parts import ReportInputs, ReportSection


@dataclass(frozen=True)
class Section:
    name: str
    build: Callable[[ReportInputs], Any]
    markdown: Callable[[Any], str]
    html: Callable[[Any], str]


@dataclass(frozen=True)
class BuiltSection:
    """A section with its data: what both renderers read."""

    section: Section
    data: Any

    @property
    def name(self) -> str:
        return self.section.name

    def to_markdown(self) -> str:
        return self.section.markdown(self.data)

    def to_html(self) -> str:
        return self.section.html(self.data)


def _always(inputs: ReportInputs) -> ReportInputs:
    return inputs


def _gates(inputs: ReportInputs) -> ReportInputs | None:
    return inputs if inputs.gates.results else None


def _plots(inputs: ReportInputs) -> ReportInputs | None:
    return inputs if inputs.plots else None


def _data_check(inputs: ReportInputs) -> tuple[QualityReport, ...] | None:
    return inputs.data_check


def _extra(inputs: ReportInputs) -> tuple[ReportSection, ...] | None:
    return inputs.extra or None


def _links(inputs: ReportInputs) -> ReportLinks | None:
    return inputs.links if md.links_section(inputs.links) else None


SECTIONS: tuple[Section, ...] = (
    Section("summary", _always, md.summary_markdown, h.summary_html),
    Section("gates", _gates, md.gates_markdown, h.gates_html),
    Section("metrics", _always, md.metrics_markdown, h.metrics_html),
    Section("params", _always, md.params_markdown, h.params_html),
    Section("plots", _plots, md.plots_markdown, h.plots_html),
    Section("images", img.build_images, img.images_markdown, img.images_html),
    Section("lineage", _always, md.lineage_markdown, h.lineage_html),
    Section(
        "training", tn.build_training_notes, tn.training_notes_markdown, tn.training_notes_html
    ),
    Section("data_check", _data_check, md.data_check_markdown, h.data_check_html),
    Section("extra", _extra, md.extra_markdown, h.extra_html),
    Section("links", _links, md.links_markdown, h.links_html),
)


def build_sections(
    inputs: ReportInputs, sections: Sequence[Section] | None = None
) -> tuple[BuiltSection, ...]:
    """Every section of `sections` (default: `SECTIONS`) that has something to say, in order."""
    built = []
    for section in SECTIONS if sections is None else sections:
        data = section.build(inputs)
        if data is not None:
            built.append(BuiltSection(section, data))
    return tuple(built)


def sections_markdown(built: Sequence[BuiltSection]) -> str:
    """The whole comment, before the size cap."""
    return "\n\n".join(b.to_markdown().strip("\n") for b in built).rstrip() + "\n"
