"""The loopback servers the suite was recorded against, on fixed ports so cassettes keep stable URLs.

Run from this folder: ``python serve.py`` serves until killed. It uses pytest-llmrec's test fakes
(``tests/fakes`` of the repository) for OpenAI and Anthropic, and a gzip-answering file server.
"""

import gzip
import json
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's tests/

from fakes.anthropic_server import AnthropicServer
from fakes.llm_server import OpenAICompatibleServer
from fakes.loopback import LoopbackHandler, LoopbackServer, RecordedRequest


class GzipHandler(LoopbackHandler):
    def route(self, request: RecordedRequest) -> None:
        body = gzip.compress(json.dumps({"status": "ok", "region": "eu"}).encode(), mtime=0)
        self.send_body(200, body, "application/json", {"content-encoding": "gzip"})


class GzipServer(LoopbackServer):
    handler = GzipHandler


if __name__ == "__main__":
    servers = [
        OpenAICompatibleServer(port=18431, event_delay=0.0),
        AnthropicServer(port=18432, event_delay=0.0),
        GzipServer(port=18433),
    ]
    for server in servers:
        server.start()
        print("serving", server.base_url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
