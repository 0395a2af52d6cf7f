"""A tiny GitHub API on 127.0.0.1 that lists a repository's self-hosted runners.

Pages like GitHub (`per_page`, `page`, a `Link` header built from the request's Host,
as PyGithub insists), answers 403 the way GitHub does to a token without
Administration: read, and checks every body it sends against GitHub's schema.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema

SPEC = json.loads(
    (
        Path(__file__).resolve().parents[1] / "data" / "runners" / "list-runners-openapi.json"
    ).read_text()
)
TOKEN = "ghp_fake_admin_read"


def runner(id: int, name: str, labels: list[str], status: str = "online", busy: bool = False):
    return {
        "id": id,
        "name": name,
        "os": "linux",
        "status": status,
        "busy": busy,
        "ephemeral": False,
        "labels": [{"id": i + 1, "name": n, "type": "custom"} for i, n in enumerate(labels)],
    }


class FakeRunnersApi:
    def __init__(self, repo: str, runners: list[dict[str, Any]], forbidden: bool = False):
        self.repo = repo
        self.runners = runners
        self.forbidden = forbidden
        self.requests: list[str] = []
        self.violations: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeRunnersApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def send_json(self, status: int, body: Any, headers: dict[str, str]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                api.requests.append(self.path)
                if parts.path != f"/repos/{api.repo}/actions/runners":
                    self.send_json(404, {"message": "Not Found"}, {})
                    return
                if self.headers.get("Authorization") not in (f"token {TOKEN}", f"Bearer {TOKEN}"):
                    self.send_json(401, {"message": "Bad credentials"}, {})
                    return
                if api.forbidden:
                    self.send_json(
                        403,
                        {
                            "message": "Resource not accessible by integration",
                            "documentation_url": "https://docs.github.com/rest",
                            "status": "403",
                        },
                        {},
                    )
                    return
                query = parse_qs(parts.query)
                per_page = int(query.get("per_page", ["30"])[0])
                page = int(query.get("page", ["1"])[0])
                chunk = api.runners[(page - 1) * per_page : page * per_page]
                body = {"total_count": len(api.runners), "runners": chunk}
                try:
                    jsonschema.validate(body, SPEC["schema"])
                except jsonschema.ValidationError as error:
                    api.violations.append(error.message)
                headers = {}
                if page * per_page < len(api.runners):
                    base = f"http://{self.headers['Host']}{parts.path}"
                    headers["Link"] = f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"'
                self.send_json(200, body, headers)

        return Handler
