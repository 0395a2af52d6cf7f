"""One MLflow client per call, with bounded retries, and MLflow's errors as mlci's.

MLflow's HTTP client retries each request 7 times with a backoff of 2 s doubling and a
120 s timeout by default: an unreachable server holds a CI job for minutes. mlci bounds
that (`HttpLimits`). MLflow reads these limits only from its environment variables
(MLFLOW_HTTP_REQUEST_*), so `mlflow_client` sets them for the duration of mlci's calls
and puts the previous values back afterwards: nothing leaks into the process, and the
values come in as arguments (the CLI builds them with `limits_from(os.environ)`, which
keeps a value the user exported).

The client is always `MlflowClient(tracking_uri=...)`, never `mlflow.set_tracking_uri`:
global state would leak between calls with different URIs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlci.errors import InputError, MlciError, ServiceError

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

INSTALL_HINT = "pip install 'mlci[mlflow]'"
# Error codes of an MLflow server that mean "what you named is not there or not valid":
# the user's input (exit 2), not a failing service (exit 3).
NOT_FOUND_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"})


@dataclass(frozen=True)
class HttpLimits:
    """How long one MLflow request may take: retries, backoff (s, doubling), timeout (s).

    The defaults fail an unreachable server in about 3 s and ride out a short restart.
    """

    max_retries: int = 2
    backoff_factor: int = 1  # MLflow reads it as a whole number
    backoff_jitter: float = 0.5
    timeout_s: int = 60

    def as_environment(self) -> dict[str, str]:
        return {
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(self.max_retries),
            "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": str(self.backoff_factor),
            "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": str(self.backoff_jitter),
            "MLFLOW_HTTP_REQUEST_TIMEOUT": str(self.timeout_s),
        }


def limits_from(environ: Mapping[str, str]) -> HttpLimits:
    """mlci's limits, with any MLFLOW_HTTP_REQUEST_* value the user set kept.

    A value that is not a number is ignored (MLflow itself would crash on it).
    """
    default = HttpLimits()

    def number(name: str, fallback: Any, kind: type) -> Any:
        text = environ.get(name, "").strip()
        try:
            return kind(text) if text else fallback
        except ValueError:
            return fallback

    return HttpLimits(
        max_retries=number("MLFLOW_HTTP_REQUEST_MAX_RETRIES", default.max_retries, int),
        backoff_factor=number("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", default.backoff_factor, int),
        backoff_jitter=number("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", default.backoff_jitter, float),
        timeout_s=number("MLFLOW_HTTP_REQUEST_TIMEOUT", default.timeout_s, int),
    )


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def import_client() -> type[MlflowClient]:
    """MLflow's client class; an InputError with the install command when it is missing."""
    try:
        import mlflow  # noqa: F401  (the package first: a missing one fails here)
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise InputError(
            "tracking.mlflow.uri is set but MLflow is not installed", INSTALL_HINT
        ) from None
    return MlflowClient


@contextlib.contextmanager
def mlflow_client(uri: str, limits: HttpLimits | None = None) -> Iterator[MlflowClient]:
    """A client of the tracking server and registry at `uri`, its requests bounded."""
    client_class = import_client()
    with _environment((limits or HttpLimits()).as_environment()):
        yield client_class(tracking_uri=uri, registry_uri=uri)


def service_errors() -> tuple[type[BaseException], ...]:
    """What MLflow's client raises when a request fails (after `import_client`)."""
    import requests
    from mlflow.exceptions import MlflowException

    return (MlflowException, requests.exceptions.RequestException, OSError)


def error_code(error: BaseException) -> str | None:
    return getattr(error, "error_code", None)


def is_not_found(error: BaseException) -> bool:
    """The server answered that the named model, alias, version or run does not exist."""
    from mlflow.exceptions import RestException

    return isinstance(error, RestException) and error_code(error) in NOT_FOUND_CODES


def as_service_error(error: BaseException, action: str, uri: str) -> MlciError:
    """A failed MLflow request as an mlci error naming the server and what was done."""
    text = " ".join(str(error).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return ServiceError(
        f"MLflow at {uri}: {action} failed: {text}",
        "check that the server is running and reachable from this machine "
        "(tracking.mlflow.uri in mlci.yaml) and its credentials "
        "(MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD)",
    )
