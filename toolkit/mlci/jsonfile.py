"""Reading a JSON file the user named, with the one-line errors of `mlci.errors`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlci.errors import InputError


def read_json_input(path: str | Path, *, unreadable: str, hint: str) -> Any:
    """The parsed content of `path`.

    A missing file says "file not found"; any other failure to read or parse says
    "`path`: `unreadable` (why)" with `hint` as the fix.
    """
    file = Path(path)
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{file}: file not found", "check the path") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{file}: {unreadable} ({error})", hint) from None
