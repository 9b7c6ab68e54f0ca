"""The service the tests run against: ADALRS_URL when set, else one started here from the
repository (`deno task start --workers 0`, a fresh store in a temporary directory, a free port
in 8610-8639), stopped when the tests end."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import atexit

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
_started = {}


def _free_port():
    for port in range(8610, 8640):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port in 8610-8639")


def service():
    """(url, data directory or None); starts the service on first use."""
    if os.environ.get("ADALRS_URL"):
        return os.environ["ADALRS_URL"], None
    if "url" in _started:
        return _started["url"], _started["data"]
    port = _free_port()
    data = tempfile.mkdtemp(prefix="adalrs-py-")
    log = open(os.path.join(data, "service.log"), "wb")
    proc = subprocess.Popen(
        ["npx", "-y", "deno@2.9.6", "task", "start", "--port", str(port), "--data", data,
         "--workers", "0"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()  # the service holds its own descriptor
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + "/health", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                _stop(proc, data)
                raise RuntimeError(f"the service did not start; see {data}/service.log")
            time.sleep(0.2)
    _started.update(url=url, data=data, proc=proc)
    atexit.register(stop)
    return url, data


def _stop(proc, data):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    shutil.rmtree(data, ignore_errors=True)


def stop():
    """Stops the service started here, if any, and removes its store."""
    if "proc" in _started:
        _stop(_started.pop("proc"), _started.pop("data"))
        _started.pop("url")
