"""Run the fake as a process: `python -m tests.github_fake --port 8765 --state FILE`.

Prints one line `fake github listening on http://HOST:PORT` when ready. The state is
loaded from --state if that file exists, and written back (atomically) on every request
before the request is answered, so another process that has its response can read it
(or ask `GET /_fake/state`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.github_fake.server import FakeGitHubServer, Fault
from tests.github_fake.state import FakeState, default_state


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.github_fake")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--state", type=Path, help="JSON state file: loaded if present, kept up to date"
    )
    parser.add_argument("--prefix", default="", help="API path prefix, e.g. /api/v3")
    parser.add_argument("--repo", action="append", default=[], help="extra repository owner/name")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        help="TOKEN=LOGIN (a user token; LOGIN may end in [bot])",
    )
    parser.add_argument("--fault", action="append", default=[], help="a Fault as JSON")
    args = parser.parse_args(argv)

    has_state = args.state is not None and args.state.exists()
    state = FakeState.load(args.state) if has_state else default_state()
    for full_name in args.repo:
        if full_name not in state.data["repos"]:
            state.add_repo(full_name)
    for item in args.token:
        token, _, login = item.partition("=")
        state.add_token(token, login or "octocat")
    server = FakeGitHubServer(
        (args.host, args.port), state, prefix=args.prefix, state_file=args.state
    )
    for raw in args.fault:
        server.add_fault(Fault(**json.loads(raw)))
    if args.state:
        state.save(args.state)
    host, port = server.server_address[:2]
    print(f"fake github listening on http://{host}:{port}{args.prefix}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
