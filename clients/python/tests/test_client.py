"""The client against a running service: every route, errors, retries, keep-alive, and its
models against /openapi.json."""

import http.server
import json
import math
import threading
import unittest

from adalrs import ApiError, BadRequest, Client, Conflict, NotFound, TransportError
from adalrs.models import MODELS

from ._service import service

EXTERNAL = {
    "mode": "external",
    "training": {"steps": 20},
    "optimizer": {"lr": 0.01},
    "schedule": {"kind": "constant"},
    "adalrs": {"window": 5, "searchStart": 0, "searchEnd": 1},
}


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.client = Client(service()[0])
        self.addCleanup(self.client.close)

    def test_an_external_run_end_to_end_over_one_connection(self):
        run = self.client.create_run(EXTERNAL)
        self.assertEqual((run["status"], run["nextStep"], run["windowEndsAt"]), ("running", 0, 4))
        self.assertEqual(run["lrs"], [0.01] * 5)
        step = 0
        while step < 20:
            answer = self.client.post_losses(run["id"], step, [5 - 0.1 * (step + i) for i in
                                                               range(5)])
            step = answer["nextStep"]
        self.assertEqual(answer["status"], "completed")
        self.assertEqual(self.client.get_run(run["id"])["status"], "completed")
        self.assertIn(run["id"], [r["id"] for r in self.client.list_runs(limit=1000)])
        events = list(self.client.iter_events(run["id"], page=2))
        self.assertEqual([e["seq"] for e in events], list(range(len(events))))
        self.assertEqual(len(self.client.decisions(run["id"])), 4)
        report = self.client.replay(run["id"])
        self.assertEqual((report["identical"], report["different"]), (4, 0))
        self.assertEqual(len(self.client.curves(run["id"])["train"]["step"]), 20)
        self.assertEqual(self.client.health(), {"ok": True})
        self.assertTrue(self.client.examples())
        self.assertEqual(self.client.connections_opened, 1, "keep-alive held one connection")

    def test_errors_are_exceptions_carrying_the_service_json(self):
        with self.assertRaises(NotFound) as missing:
            self.client.get_run("nope")
        self.assertIn("nope", missing.exception.message)
        with self.assertRaises(BadRequest) as bad:
            self.client.create_run({"training": {"steps": -1}, "optimizer": {"lr": 1}})
        paths = [issue["path"] for issue in bad.exception.issues]
        self.assertIn("training.steps", paths)
        run = self.client.create_run(EXTERNAL)
        with self.assertRaises(Conflict) as gap:
            self.client.post_losses(run["id"], 3, [1.0])
        self.assertEqual(gap.exception.expected_step, 0)
        self.assertEqual(gap.exception.body["error"]["status"], 409)
        self.client.cancel_run(run["id"], reason="test")
        with self.assertRaises(Conflict):
            self.client.cancel_run(run["id"])

    def test_a_retried_post_lands_once_and_gets_the_same_answer(self):
        run = self.client.create_run(EXTERNAL)
        first = self.client.post_losses(run["id"], 0, [5, 4.9])
        again = self.client.post_losses(run["id"], 0, [5, 4.9])
        self.assertEqual(first, again)
        windows = [e for e in self.client.iter_events(run["id"])
                   if e["type"] == "LossWindowRecorded"]
        self.assertEqual(len(windows), 1)

    def test_non_finite_losses_and_a_validation_loss(self):
        run = self.client.create_run(EXTERNAL)
        answer = self.client.post_losses(run["id"], 0, [math.nan, math.inf, 4.0], val_loss=3.5)
        self.assertEqual(answer["nextStep"], 3)
        view = self.client.get_run(run["id"])
        self.assertEqual((view["lastLoss"], view["lastValLoss"]), (4.0, 3.5))

    def test_reference_losses_fit_a_control_variate_run(self):
        run = self.client.create_run(
            {**EXTERNAL, "adalrs": {**EXTERNAL["adalrs"], "controlVariate": True}})
        refs = [2.3, 2.6, 2.2, 2.5, 2.4]
        losses = [5 - 0.05 * i + 0.5 * (r - 2.4) for i, r in enumerate(refs)]
        answer = self.client.post_losses(run["id"], 0, losses, ref_losses=refs)
        stats = answer["decision"]["window"]["stats"]
        self.assertAlmostEqual(stats["v"], 0.05)
        self.assertAlmostEqual(stats["c"], 0.5)
        with self.assertRaises(ApiError) as refused:
            self.client.post_losses(run["id"], 5, [4.7, 4.6], ref_losses=[2.4])
        self.assertEqual(refused.exception.status, 422)
        self.assertIn("refLosses has 1 values for 2 losses", str(refused.exception))

    def test_stream_events_follows_the_log_until_the_run_ends(self):
        run = self.client.create_run(EXTERNAL)
        self.client.cancel_run(run["id"])
        types = [e["type"] for e in self.client.stream_events(run["id"])]
        self.assertEqual(types, ["RunCreated", "RunCancelled"])
        later = [e["seq"] for e in self.client.stream_events(run["id"], last_event_id=0)]
        self.assertEqual(later, [1])

    def test_models_agree_with_the_openapi_components(self):
        schemas = self.client.openapi()["components"]["schemas"]
        for name, model in MODELS.items():
            with self.subTest(name):
                schema = schemas[name]
                self.assertEqual(set(model.__annotations__), set(schema["properties"]))
                self.assertEqual(set(model.__required_keys__), set(schema.get("required", [])))
        kinds = [variant["properties"]["kind"]["const"] for variant in schemas["Action"]["oneOf"]]
        self.assertEqual(sorted(kinds), ["branch", "continue", "restore", "snapshot"])


class RetryTest(unittest.TestCase):
    def test_an_unreachable_service_raises_transport_error_after_retries(self):
        with socket_port() as port:
            client = Client(f"http://127.0.0.1:{port}", retries=2, backoff=0.01)
            with self.assertRaises(TransportError):
                client.health()

    def test_a_503_is_retried_with_the_same_idempotency_key_and_token(self):
        seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["content-length"]))
                seen.append((self.headers["idempotency-key"], self.headers["authorization"]))
                status = 503 if len(seen) == 1 else 200
                body = {"error": {"status": 503, "message": "busy"}} if status == 503 else {}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        client = Client(f"http://127.0.0.1:{server.server_address[1]}", token="t", backoff=0.01)
        self.assertEqual(client.post_losses("r", 7, [1.0]), {})
        self.assertEqual(seen, [("losses-7", "Bearer t")] * 2)
        client.close()


class socket_port:
    """A port nothing listens on (bound, never accepting, then closed)."""

    def __enter__(self):
        import socket

        self._s = socket.socket()
        self._s.bind(("127.0.0.1", 0))
        port = self._s.getsockname()[1]
        self._s.close()
        return port

    def __exit__(self, *exc):
        pass


if __name__ == "__main__":
    unittest.main()
