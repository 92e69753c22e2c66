"""A LibreTranslate-compatible server on 127.0.0.1 for tests (POST /translate).

It "translates" from a small phrase book and otherwise tags the text with the
target language, so a test can see exactly what went through it. `fail` makes it
answer 500, `delay` makes it slow.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLibreTranslate:
    def __init__(self, phrasebook: dict[tuple[str, str, str], str] | None = None) -> None:
        self.phrasebook = phrasebook or {}
        self.requests: list[dict] = []
        self.fail = False
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.fail or self.path != "/translate":
                    self.send_response(500)
                    self.end_headers()
                    return
                key = (body["source"], body["target"], body["q"])
                text = fake.phrasebook.get(key, f"[{body['target']}] {body['q']}")
                data = json.dumps({"translatedText": text}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeLibreTranslate":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
