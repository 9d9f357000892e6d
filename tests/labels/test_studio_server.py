"""The one health probe: what `curate labels serve` and the server start-up both ask."""

import http.server
import threading

from labels.studio_server import free_port, is_healthy


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_health_probe_answers_true_only_for_a_live_server():
    port = free_port()
    assert not is_healthy(f"http://127.0.0.1:{port}", timeout=1)  # nothing listens
    server = http.server.HTTPServer(("127.0.0.1", port), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert is_healthy(f"http://127.0.0.1:{port}")
        assert not is_healthy(f"http://127.0.0.1:{port}/nope")  # answers, but not 200
    finally:
        server.shutdown()
