"""The GitHub Actions runtime, standard library only.

`ActionsRuntime` reads inputs, sets outputs, writes the step summary, emits
annotations, log groups and masks. `EventContext` describes the triggering event.
Both take the environment as a mapping so they are testable without Actions, and
both degrade gracefully outside Actions (outputs and summary go to a local folder).
"""

from mlci.gha.context import EventContext, load_event_context
from mlci.gha.runtime import ActionsRuntime, InputError, parse_bool

__all__ = ["ActionsRuntime", "EventContext", "InputError", "load_event_context", "parse_bool"]
