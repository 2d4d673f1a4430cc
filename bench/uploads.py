"""Uploads under load: N families posting reports with photos to a real `dalil serve`, with bombs and oversized bodies.

This is a benchmark, not a test. It starts `dalil serve` on a fresh instance
(face search on when face_recognition is installed, the portal's rate limits
off: every client here shares one address), then runs --clients threads for
--seconds. Each thread, in turn:

- report: the report form (GET), then a report with a photo (an LFW face from
  ../shared/corpora when present, else a synthetic JPEG) and "keep the photo"
  ticked: the photo is checked, re-encoded, encrypted, then searched for a face;
- bomb: a report whose photo is a ~120 KB PNG of 38 megapixels, under the
  40-megapixel limit, so it is decoded (about 200 MB and seconds each);
- header bomb: a 60-byte PNG declaring 3.6 gigapixels (refused from its header);
- oversized: a POST declaring 150 MB (refused by waitress before a byte of it);
- oversized form: 2 MB posted to the search page (refused by Django's middleware).

Printed: requests and answers by status for each kind, p50/p95 latency, and
the server's resident memory (sampled every 0.1 s, and the kernel's peak,
VmHWM, from /proc). The server must still answer at the end.

    .venv/bin/python bench/uploads.py                              # 8 clients, 60 s
    .venv/bin/python bench/uploads.py --clients 16 --seconds 120 --heavy-jobs 4
    .venv/bin/python bench/uploads.py --json

Progress goes to stderr. The instance goes under --workdir (bench/out/uploads/, gitignored), removed at the end
unless --keep.
"""

import argparse
import io
import itertools
import json
import os
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "faces" / "lfw-devtrain"
MB = 1024 * 1024
# What each client does, in this order, over and over (reports are most of what families send).
ROUND = ["report", "report", "bomb", "report", "header bomb", "report", "oversized", "report", "oversized form"]
REPORT = {"first_name_ar": "محمد", "family_name_ar": "الحلبي", "reporter_name": "أم محمد",
          "reporter_phone": "+963 944 123 456", "distinguishing_marks": "ندبة على الكتف الأيسر"}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- what is sent

def face_photos(count: int) -> list[bytes]:
    if CORPUS.is_dir():
        paths = sorted(CORPUS.glob("*/*_0001.jpg"))[:count]
        if paths:
            return [p.read_bytes() for p in paths]
    log(f"{CORPUS} not found: synthetic photos (no face) instead")
    out = []
    for seed in range(count):
        image = Image.effect_noise((1200, 900), 40 + seed).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        out.append(buffer.getvalue())
    return out


def decode_bomb() -> bytes:
    """A small PNG under the 40-megapixel limit: it passes the header check and is decoded in full."""
    buffer = io.BytesIO()
    Image.new("RGB", (7100, 5350), (200, 30, 30)).save(buffer, "PNG", optimize=True)  # 37.985 MP in ~120 KB
    return buffer.getvalue()


def header_bomb() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60_000, 60_000, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 7501)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(home: Path, port: int, faces: bool, heavy_jobs: int | None, threads: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    env.update(DALIL_HOME=str(home), DALIL_STORE_FSYNC="0", DALIL_FACES="1" if faces else "0",
               PYTHONUNBUFFERED="1", TMPDIR=str(home / "process-tmp"))
    for name in ("DALIL_PORTAL_SESSION_REPORTS_PER_HOUR", "DALIL_PORTAL_IP_REPORTS_PER_HOUR",
                 "DALIL_PORTAL_SESSION_SEARCHES_PER_HOUR", "DALIL_PORTAL_IP_SEARCHES_PER_HOUR"):
        env[name] = "0"  # 0 turns a rate limit off: every client here comes from 127.0.0.1
    if heavy_jobs:
        env["DALIL_HEAVY_JOBS"] = str(heavy_jobs)
    (home / "process-tmp").mkdir(parents=True, exist_ok=True)  # not $DALIL_HOME/tmp: the store's own
    exe = Path(sys.executable).with_name("dalil")
    out = open(home / "server.log", "w")
    server = subprocess.Popen([str(exe), "serve", "--port", str(port), "--threads", str(threads)], env=env,
                              cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"dalil serve exited with {server.returncode}:\n{(home / 'server.log').read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    raise SystemExit("dalil serve did not answer within 120 s")


def memory_kb(pid: int) -> dict:
    """VmRSS (now) and VmHWM (the peak so far) of a process, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                self.samples.append(memory_kb(self.pid)["VmRSS"])
            except (OSError, KeyError):
                return
            self.stop.wait(0.1)


# ---------------------------------------------------------------- the clients

class Client:
    def __init__(self, base: str, port: int, photos: list[bytes], bomb: bytes, tiny_bomb: bytes, record):
        self.base, self.port, self.photos, self.bomb, self.tiny_bomb, self.record = (
            base, port, photos, bomb, tiny_bomb, record)
        self.browser = requests.Session()

    def _token(self) -> str:
        started = time.monotonic()
        form = self.browser.get(self.base + "report/", timeout=120)
        self.record("form", form.status_code, time.monotonic() - started)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        return match.group(1) if match else ""

    def _post_report(self, kind: str, photo: bytes, name: str, content_type: str):
        data = {**REPORT, "photo_consent": "on", "csrfmiddlewaretoken": self._token()}
        started = time.monotonic()
        response = self.browser.post(self.base + "report/", data=data, files={"photo": (name, photo, content_type)},
                                     headers={"Referer": self.base + "report/"}, timeout=300)
        self.record(kind, response.status_code, time.monotonic() - started)

    def _raw(self, kind: str, head: str, body: bytes = b""):
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
            sock.sendall(head.encode() + body)
            answer = sock.recv(64)
        status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
        self.record(kind, status, time.monotonic() - started)

    def do(self, kind: str, n: int):
        if kind == "report":
            self._post_report(kind, self.photos[n % len(self.photos)], "photo.jpg", "image/jpeg")
        elif kind == "bomb":
            self._post_report(kind, self.bomb, "bomb.png", "image/png")
        elif kind == "header bomb":
            self._post_report(kind, self.tiny_bomb, "tiny.png", "image/png")
        elif kind == "oversized":
            self._raw(kind, f"POST /report/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {150 * MB}\r\n"
                            "Content-Type: multipart/form-data; boundary=x\r\n\r\n")
        elif kind == "oversized form":
            body = b"q=" + b"a" * (2 * MB)
            self._raw(kind, "POST /search/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-"
                            f"urlencoded\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n", body)


def run_clients(base, port, clients, seconds, photos, bomb, tiny_bomb):
    results = defaultdict(list)  # kind -> [(status, seconds)]
    lock = threading.Lock()

    def record(kind, status, took):
        with lock:
            results[kind].append((status, took))

    deadline = time.monotonic() + seconds

    def work(index):
        client = Client(base, port, photos, bomb, tiny_bomb, record)
        for n, kind in enumerate(itertools.islice(itertools.cycle(ROUND), index, None)):
            if time.monotonic() >= deadline:
                return
            try:
                client.do(kind, n + index)
            except (requests.RequestException, OSError) as exc:
                record(kind, f"error: {type(exc).__name__}", 0.0)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))], 3)


def summarise(results) -> dict:
    kinds = {}
    for kind, rows in sorted(results.items()):
        took = [t for status, t in rows if isinstance(status, int)]
        kinds[kind] = {"requests": len(rows), "statuses": dict(Counter(str(s) for s, _ in rows)),
                       "p50_s": percentile(took, 50), "p95_s": percentile(took, 95)}
    every = [t for rows in results.values() for status, t in rows if isinstance(status, int)]
    failures = Counter(str(s) for rows in results.values() for s, _ in rows
                       if not isinstance(s, int) or s >= 500 and s != 503)
    return {"kinds": kinds, "requests": sum(len(r) for r in results.values()),
            "failures": dict(failures), "p50_s": percentile(every, 50), "p95_s": percentile(every, 95),
            "mean_s": round(statistics.mean(every), 3) if every else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they send (default 60)")
    parser.add_argument("--heavy-jobs", type=int, default=0, help="DALIL_HEAVY_JOBS for the server (default: its own)")
    parser.add_argument("--threads", type=int, default=8, help="the server's threads (dalil serve --threads, 8)")
    parser.add_argument("--no-faces", action="store_true", help="serve with DALIL_FACES=0 (no face search)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "uploads")
    parser.add_argument("--keep", action="store_true", help="keep the instance (and server.log)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout instead of the table")
    args = parser.parse_args()

    from dalil.faces.backend import available

    faces = available() and not args.no_faces
    photos, bomb, tiny_bomb = face_photos(6), decode_bomb(), header_bomb()
    home = args.workdir / f"instance-{os.getpid()}"
    home.mkdir(parents=True)
    port = free_port()
    log(f"dalil serve on port {port} (faces {'on' if faces else 'off'}), instance {home}")
    server = start_server(home, port, faces, args.heavy_jobs or None, args.threads)
    try:
        base = f"http://127.0.0.1:{port}/"
        log("warming up (one report with a photo)")
        Client(base, port, photos, bomb, tiny_bomb, lambda *a: None).do("report", 0)
        idle = memory_kb(server.pid)
        sampler = Sampler(server.pid)
        sampler.start()
        log(f"{args.clients} clients for {args.seconds:g} s; bomb {len(bomb):,} bytes, photo {len(photos[0]):,} bytes")
        started = time.monotonic()
        results = run_clients(base, port, args.clients, args.seconds, photos, bomb, tiny_bomb)
        elapsed = time.monotonic() - started
        sampler.stop.set()
        sampler.join()
        alive = server.poll() is None
        answers_after = None
        if alive:
            try:
                answers_after = requests.get(base, timeout=30).status_code
            except requests.RequestException as exc:
                answers_after = f"error: {type(exc).__name__}"
        end = memory_kb(server.pid) if alive else {}
        spooled = sorted(str(p.relative_to(home)) for p in (home / "process-tmp").rglob("*") if p.is_file())
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    figures = {
        "clients": args.clients, "seconds": round(elapsed, 1), "faces": faces,
        "heavy_jobs": args.heavy_jobs or "default", "server_threads": args.threads,
        **summarise(results),
        "server_alive": alive, "answers_after": answers_after,
        "rss_idle_mb": round(idle["VmRSS"] / 1024), "rss_sampled_max_mb": round(max(sampler.samples) / 1024)
        if sampler.samples else None, "rss_peak_mb": round(end.get("VmHWM", 0) / 1024) or None,
        "files_in_server_tmpdir": spooled,
    }
    if not args.keep:
        shutil.rmtree(home, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    print(f"{args.clients} clients, {figures['seconds']} s, face search {'on' if faces else 'off'}, "
          f"DALIL_HEAVY_JOBS {figures['heavy_jobs']}, {args.threads} server threads")
    print(f"{'kind':<16}{'requests':>9}  {'p50 s':>7}{'p95 s':>7}  statuses")
    for kind, row in figures["kinds"].items():
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(row["statuses"].items()))
        print(f"{kind:<16}{row['requests']:>9}  {row['p50_s'] or '-':>7}{row['p95_s'] or '-':>7}  {statuses}")
    print(f"{'all':<16}{figures['requests']:>9}  {figures['p50_s'] or '-':>7}{figures['p95_s'] or '-':>7}  "
          f"failures (5xx but 503, errors): {figures['failures'] or 'none'}")
    print(f"server RSS: idle {figures['rss_idle_mb']} MB, sampled max {figures['rss_sampled_max_mb']} MB, "
          f"peak (VmHWM) {figures['rss_peak_mb']} MB; alive after: {alive}, answers: {answers_after}; "
          f"files in its TMPDIR: {len(spooled)} (multiprocessing's empty pymp-* folder aside)")
    if not alive or answers_after != 200 or figures["failures"]:
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dalil.settings")
    sys.path.insert(0, str(ROOT))
    main()
