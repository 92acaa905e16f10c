"""A real Odoo server for the bench's HTTP cases, on a free loopback port, and its clients.

The server logs every request with Odoo's own performance figures (werkzeug's log line ends
with the request's SQL query count, SQL time and the rest of the server time), which is where
the server time and query count of a request come from.
"""

import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[2]
# The ports this project's bench may use (others use 8069 and 8271-8273).
PORTS = range(8274, 8280)
REQUEST_LOG = re.compile(r'"(?:GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+) ([\d.]+) ([\d.]+)')


def free_ports(count):
    found = []
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports among {PORTS.start}-{PORTS.stop - 1}")


class Server:
    """`odoo-bin` serving `db` with `workers` worker processes (0: threaded, one process), crons
    off, until the `with` block ends."""

    def __init__(self, config, db, workers=4):
        self.config, self.db, self.workers = config, db, workers
        self.log = Path(tempfile.mkstemp(prefix="ar-bench-", suffix=".log")[1])
        self.offset = 0
        self.process = None

    def __enter__(self):
        port, gevent_port = free_ports(2)
        self.url = f"http://127.0.0.1:{port}"
        command = [
            sys.executable,
            "-m",
            "tests.bench.odoo_bin",
            "-c",
            self.config,
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            f"--gevent-port={gevent_port}",
            f"--workers={self.workers}",
            "--max-cron-threads=0",
            "--log-level=warn",
            "--log-handler=werkzeug:INFO",
            f"--logfile={self.log}",
        ]
        # The load generator runs on the same cores: a client thread that waits for the CPU between
        # connecting and sending its request must not count as a server error (Odoo's default
        # socket timeout is 2 s).
        env = dict(os.environ, ODOO_HTTP_SOCKET_TIMEOUT="30", TZ="UTC")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Odoo server stopped: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/web/health", timeout=5).status_code == 200:
                    self.requests()
                    return self
            time.sleep(0.5)
        raise RuntimeError("the Odoo server did not answer in 3 minutes")

    def __exit__(self, exc_type, exc, traceback):
        self.stop(keep_log=exc_type is not None)

    def stop(self, keep_log=False):
        """Stop the server; its log is kept for whoever looks into a failure."""
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if not keep_log:
            self.log.unlink(missing_ok=True)
        else:
            print(f"ar bench: the Odoo server's log is kept in {self.log}", file=sys.stderr)

    def requests(self):
        """[(path, status, queries, seconds)] of the requests logged since the last call."""
        with self.log.open() as log:
            log.seek(self.offset)
            text = log.read()
            self.offset = log.tell()
        return [
            (path, int(status), int(queries), float(sql) + float(rest))
            for path, status, queries, sql, rest in REQUEST_LOG.findall(text)
        ]

    def session(self, login, password):
        """A requests session logged in as `login`."""
        session = requests.Session()
        response = session.post(
            f"{self.url}/web/session/authenticate",
            json={"jsonrpc": "2.0", "method": "call", "params": {"db": self.db, "login": login, "password": password}},
            timeout=120,
        )
        response.raise_for_status()
        if not (response.json().get("result") or {}).get("uid"):
            raise RuntimeError(f"could not log in as {login}: {response.text[:500]}")
        return session

    def csrf_token(self, session):
        page = session.get(f"{self.url}/web/login", timeout=120).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def get(self, session, path, check=None, **kwargs):
        response = session.get(f"{self.url}{path}", allow_redirects=False, timeout=600, **kwargs)
        if response.status_code != 200 or (check and check not in response.text):
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:500]}")
        return response

    def sample(self, session, path, count, check=None):
        """Server time (s) and SQL queries of `count` requests of `path`, one after the other."""
        self.requests()
        for _i in range(count):
            self.get(session, path, check)
        logged = [row for row in self.requests() if row[0] == path]
        if len(logged) != count:
            raise RuntimeError(f"{len(logged)} of {count} requests of {path} found in the server's log")
        return [seconds for _path, _status, _queries, seconds in logged], [row[2] for row in logged]

    def peak_memory(self, func):
        """(result of func(), growth in bytes of the peak resident memory of the server's
        process that handled it): every serving process's peak is reset first (Linux's
        clear_refs), and the largest growth is the request's."""
        processes = [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children()]
        before = {}
        for process in processes:
            try:
                Path(f"/proc/{process.pid}/clear_refs").write_text("5")
                before[process.pid] = process.memory_info().rss
            except (OSError, psutil.Error):
                continue
        result = func()
        growth = 0
        for pid, rss in before.items():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024
                growth = max(growth, peak - rss)
        return result, growth if before else None


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def load(server, sessions, path, seconds, check=None):
    """Each session asks for `path` in a loop, all at once, for `seconds`: (requests per
    second, p95 latency in s, errors)."""
    stop = time.monotonic() + seconds
    latencies, errors = [], []
    lock = threading.Lock()

    def client(session):
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                server.get(session, path, check)
            except (requests.RequestException, RuntimeError) as error:
                with lock:
                    errors.append(str(error)[:200])
                continue
            with lock:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client, args=(session,)) for session in sessions]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) if latencies else None,
        "p95": percentile(latencies, 0.95) if latencies else None,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }
