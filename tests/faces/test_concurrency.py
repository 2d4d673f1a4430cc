"""Face work from many threads at once, as the web server's threads do it.

dlib's models are shared by the threads of a process and crashed it when two used them at once (8 threads
calling probe_vector segfaulted in 4 runs of 6; 6 reports with a kept photo at once aborted `dalil serve`).
These tests run the real backend from many threads, and a real `dalil serve` under concurrent reports.
"""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from dalil.faces import backend as backends
from dalil.identification.models import MissingPersonReport
from dalil.lib import limits
from tests.conftest import ROOT, corpus
from tests.faces.conftest import require_face_recognition
from tests.portal.conftest import MOTHER
from tests.portal.test_upload_limits import _hold_slots, noise_png, png_declaring

MB = 1024 * 1024


def lfw(name: str, number: int = 1) -> Path:
    return corpus("faces") / "lfw-devtrain" / name / f"{name}_{number:04d}.jpg"


# --- the lock, without dlib -----------------------------------------------------------------------------------

class CountingModels:
    """Stands in for face_recognition: records how many threads are inside it at once."""

    def __init__(self):
        self.inside, self.most, self.lock = 0, 0, threading.Lock()

    def _enter(self):
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.01)  # long enough for another thread to come in, were it let in
        with self.lock:
            self.inside -= 1

    def face_locations(self, image, number_of_times_to_upsample=1, model="hog"):
        self._enter()
        return [(4, 40, 40, 4)]

    def face_encodings(self, image, boxes, num_jitters=1, model="small"):
        self._enter()
        return [np.zeros(128) for _ in boxes]

    def face_landmarks(self, image, boxes, model="small"):
        self._enter()
        return [{} for _ in boxes]


def test_it_lets_one_thread_at_a_time_into_dlibs_models():
    models = CountingModels()
    probes, archive = object.__new__(backends.DlibBackend), object.__new__(backends.DlibBackend)
    for backend, mirror in ((probes, True), (archive, False)):  # two backends share face_recognition's models
        backend._fr, backend.num_jitters, backend.cnn_side, backend.mirror = models, 1, 0, mirror
    picture = np.zeros((64, 64, 3), dtype=np.uint8)
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda i: (probes, archive)[i % 2].detect_and_embed(picture), range(32)))
    assert all(len(faces) == 1 for faces in found)
    assert models.most == 1


# --- the real models from many threads ------------------------------------------------------------------------

THREADED = """
import json, sys, threading
import django
django.setup()
from dalil.faces.probe import NoFace, probe_vector

pictures = [open(path, "rb").read() for path in sys.argv[1:]]

def probe(data):
    try:
        return probe_vector(data, "photo").tolist()
    except NoFace:
        return None

alone = [probe(data) for data in pictures]
together, problems = [], []

def worker(start):
    for k in range(len(pictures)):
        i = (start + k) % len(pictures)
        try:
            together.append((i, probe(pictures[i])))
        except Exception as exc:
            problems.append(repr(exc))

threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"alone": alone, "together": together, "problems": problems}))
"""


@pytest.mark.slow
@pytest.mark.corpus
def test_probe_vector_from_eight_threads_at_once_gives_what_it_gives_alone(tmp_path):
    require_face_recognition()
    faceless = tmp_path / "faceless.png"
    faceless.write_bytes(noise_png(160))  # no face: the CNN and the turned passes run too
    pictures = [lfw("Aaron_Eckhart"), lfw("Colin_Powell"), faceless]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    # Eight slots: every thread reaches dlib together; only the backend's own lock keeps them apart.
    env.update(DALIL_HOME=str(tmp_path / "home"), DJANGO_SETTINGS_MODULE="dalil.settings", DALIL_HEAVY_JOBS="8",
               DALIL_BUSY_WAIT_SECONDS="600")
    proc = subprocess.run([sys.executable, "-c", THREADED, *map(str, pictures)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"exited {proc.returncode} (negative: killed by a signal)\n{proc.stderr[-3000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["problems"] == [] and len(result["together"]) == 8 * len(pictures)
    assert result["alone"][0] is not None and result["alone"][2] is None
    for i, vector in result["together"]:
        assert vector == result["alone"][i]  # the same photo, the same vector, whichever thread asked


# --- busy answers from the face pages -------------------------------------------------------------------------

def _photo():
    return SimpleUploadedFile("photo.jpg", lfw("Aaron_Eckhart").read_bytes(), content_type="image/jpeg")


@pytest.mark.django_db
def test_the_staff_search_answers_busy_with_503(staff, settings):
    require_face_recognition()
    settings.HEAVY_JOBS, settings.BUSY_WAIT_SECONDS = 1, 0
    release = _hold_slots(1)
    try:
        response = staff("caseworker").post("/faces/search/", {"photos": [_photo()]})
    finally:
        release()
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "Many people are sending photos right now" in response.content.decode()


@pytest.mark.django_db
def test_the_family_photo_search_answers_busy_and_keeps_nothing(client, settings):
    require_face_recognition()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.post("/report/", MOTHER).status_code == 200
    settings.HEAVY_JOBS, settings.BUSY_WAIT_SECONDS = 1, 0
    release = _hold_slots(1)
    try:
        response = client.post("/faces/", {"photo": _photo(), "keep": "on"})
    finally:
        release()
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "please choose the photo again" in response.content.decode()
    assert bytes(MissingPersonReport.objects.get().photo_encrypted) == b""


# --- a real server ----------------------------------------------------------------------------------------------

def _report(base: str, photo: bytes) -> tuple[int, str]:
    """One family, in their own browser: the form, then the report with a photo they let dalil keep."""
    import requests

    with requests.Session() as browser:
        form = browser.get(base + "report/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        response = browser.post(base + "report/", data={**MOTHER, "photo_consent": "on", "csrfmiddlewaretoken": token},
                                files={"photo": ("photo.jpg", photo, "image/jpeg")},
                                headers={"Referer": base + "report/"}, timeout=120)
        return response.status_code, response.text


def _raw(port: int, head: str, body: bytes = b"", wait: float = 10) -> bytes:
    """Send `head` (and the first bytes of a body) on a bare socket; what the server answers within `wait`."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head.encode() + body)
        try:
            return sock.recv(4096)
        except TimeoutError:
            return b""


def _open_files(pid: int) -> list[str]:
    names = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            names.append(os.readlink(fd))
        except OSError:
            pass
    return names


@pytest.mark.slow
@pytest.mark.corpus
def test_a_real_server_takes_concurrent_reports_with_kept_photos_and_still_answers(cli_env, tmp_path):
    require_face_recognition()
    from tests.browser.conftest import _dalil, _free_port, _wait_until_up

    spool = tmp_path / "tmp"  # the server's temporary folder: no upload may appear in it, even unlinked
    spool.mkdir()
    env = {**cli_env, "DALIL_FACES": "1", "TMPDIR": str(spool)}
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        server = _dalil(env, "serve", "--port", str(port), stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(base, server, log)
        photos = [lfw(name).read_bytes() for name in ("Aaron_Eckhart", "Colin_Powell", "Ariel_Sharon", "AJ_Cook")]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: _report(base, photos[i % len(photos)]), range(8)))
        assert server.poll() is None, f"the server died:\n{log.read_text()[-3000:]}"
        statuses = [status for status, _ in answers]
        assert set(statuses) <= {200, 503} and statuses.count(200) >= 1, statuses
        assert all("/f/" in page for status, page in answers if status == 200)  # each filed, its link shown
        assert all("محمد" in page for status, page in answers if status == 503)  # busy: the form comes back

        # A body over every limit is refused from its Content-Length: the answer comes without a byte of it.
        started = time.monotonic()
        answer = _raw(port, f"POST /report/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {150 * MB}\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 413") and time.monotonic() - started < 5
        # One within waitress's limit but over the form page's: Django's 413, the body read by nobody but waitress.
        body = b"q=" + b"a" * (2 * MB)
        answer = _raw(port, f"POST /search/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-"
                            f"urlencoded\r\nContent-Length: {len(body)}\r\n\r\n", body)
        assert answer.startswith(b"HTTP/1.1 413")

        # A large photo still arriving is held in memory: no temporary file, named or unlinked, in TMPDIR.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"POST /report/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                         f"boundary=x\r\nContent-Length: {11 * MB}\r\n\r\n".encode() + b"\0" * (8 * MB))
            time.sleep(1)
            spooled = [name for name in _open_files(server.pid) if name.startswith(str(spool))]
        assert spooled == [] and [p for p in spool.rglob("*") if p.is_file()] == []  # pymp-* folders aside

        # And the server still answers.
        import requests

        assert requests.get(base, timeout=30).status_code == 200
        assert server.poll() is None
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
