"""The write-once, content-addressed store for originals and their derivatives.

Originals are named by their SHA-256 and never rewritten: a second copy of the
same bytes is not stored again. Bytes are hashed while they are written, so a
file is read exactly once, and an object becomes visible under its name only
once it is complete (written to a temporary name, flushed, then renamed), so a
process killed mid-write leaves no half-file behind a valid name.

Two backends sit behind one small interface: a local folder (the embedded
default) and S3-compatible object storage (`DALIL_STORE=s3://bucket/prefix`).
"""

import hashlib
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path

CHUNK = 1024 * 1024


class StoreError(Exception):
    pass


class Writer:
    """Receives an original's bytes in chunks, hashing as it goes."""

    def __init__(self, store: "Store"):
        self.store = store
        self.hasher = hashlib.sha256()
        self.size = 0
        self._tmp = tempfile.NamedTemporaryFile(dir=store.tmp_dir(), delete=False, prefix="incoming-")

    def write(self, chunk: bytes) -> None:
        self.hasher.update(chunk)
        self.size += len(chunk)
        self._tmp.write(chunk)

    def commit(self) -> str:
        """Finish the object and return its SHA-256; a no-op copy if those bytes are stored already."""
        sha = self.hasher.hexdigest()
        self._tmp.flush()
        if self.store.fsync:
            os.fsync(self._tmp.fileno())
        self._tmp.close()
        self.store._adopt(Path(self._tmp.name), sha)
        return sha

    def commit_in_background(self) -> tuple[str, "Callable[[], str]"]:
        """Start committing (flush, fsync, rename) in a thread; returns the SHA-256 and a wait() for it.

        The caller may decode the bytes meanwhile, but must call wait() before
        recording the file anywhere: only then is it durably in the store.
        """
        import threading

        outcome: dict = {}

        def run():
            try:
                outcome["sha"] = self.commit()
            except BaseException as exc:  # handed to wait()
                outcome["error"] = exc

        thread = threading.Thread(target=run, name="store-commit")
        thread.start()

        def wait() -> str:
            thread.join()
            if "error" in outcome:
                raise outcome["error"]
            return outcome["sha"]

        return self.hasher.hexdigest(), wait

    def abort(self) -> None:
        self._tmp.close()
        Path(self._tmp.name).unlink(missing_ok=True)


class Store(ABC):
    fsync = True

    @abstractmethod
    def tmp_dir(self) -> str: ...

    @abstractmethod
    def _adopt(self, tmp: Path, sha: str) -> None:
        """Move a finished temporary file under its hash, unless that object exists."""

    @abstractmethod
    def exists(self, sha: str) -> bool: ...

    @abstractmethod
    def open(self, sha: str):
        """A binary file object for reading a stored object."""

    @abstractmethod
    def shas(self) -> Iterator[str]:
        """Every object name in the store (for verify's missing/extra checks)."""

    def writer(self) -> Writer:
        return Writer(self)

    def sweep_incoming(self, older_than_seconds: float = 3600) -> int:
        """Remove temporary files a killed writer left behind (never named, so never evidence)."""
        import time

        removed = 0
        cutoff = time.time() - older_than_seconds
        for path in Path(self.tmp_dir()).glob("incoming-*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed

    def put_bytes(self, data: bytes) -> str:
        writer = self.writer()
        writer.write(data)
        return writer.commit()

    def hash_of_stored(self, sha: str) -> str:
        hasher = hashlib.sha256()
        with self.open(sha) as f:
            while chunk := f.read(CHUNK):
                hasher.update(chunk)
        return hasher.hexdigest()


class LocalStore(Store):
    """Objects at ROOT/ab/cd/<sha256>, read-only files."""

    def __init__(self, root: str | os.PathLike, fsync: bool = True):
        self.root = Path(root)
        self.fsync = fsync
        (self.root / ".incoming").mkdir(parents=True, exist_ok=True)

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha[2:4] / sha

    def tmp_dir(self) -> str:
        return str(self.root / ".incoming")

    def _adopt(self, tmp: Path, sha: str) -> None:
        final = self.path(sha)
        if final.exists():
            tmp.unlink()
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp.chmod(0o400)  # read-only, and the instance user's only (docs/security.md)
        os.replace(tmp, final)  # atomic: a reader sees the whole object or none

    def exists(self, sha: str) -> bool:
        return self.path(sha).exists()

    def open(self, sha: str):
        try:
            return open(self.path(sha), "rb")
        except FileNotFoundError:
            raise StoreError(f"object {sha} is missing from the store at {self.root}") from None

    def shas(self) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if len(path.name) == 64:
                yield path.name


class S3Store(Store):
    """Objects at s3://bucket/prefix/ab/<sha256>. Enable Object Lock on the bucket for write-once."""

    def __init__(self, url: str, tmp_root: str | os.PathLike, endpoint_url: str | None = None):
        import boto3  # optional dependency: pip install dalil[s3]

        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None)
        self._tmp_root = Path(tmp_root)
        self._tmp_root.mkdir(parents=True, exist_ok=True)

    def key(self, sha: str) -> str:
        return f"{self.prefix}/{sha[:2]}/{sha}" if self.prefix else f"{sha[:2]}/{sha}"

    def tmp_dir(self) -> str:
        return str(self._tmp_root)

    def _adopt(self, tmp: Path, sha: str) -> None:
        try:
            if not self.exists(sha):
                self.client.upload_file(str(tmp), self.bucket, self.key(sha), ExtraArgs={"ChecksumAlgorithm": "SHA256"})
        finally:
            tmp.unlink(missing_ok=True)

    def exists(self, sha: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha))
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def open(self, sha: str):
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha))["Body"]
        except ClientError:
            raise StoreError(f"object {sha} is missing from s3://{self.bucket}/{self.prefix}") from None

    def shas(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for obj in page.get("Contents", []):
                name = obj["Key"].rsplit("/", 1)[-1]
                if len(name) == 64:
                    yield name


def open_store(url: str, tmp_root: str | os.PathLike, fsync: bool = True, endpoint_url: str | None = None) -> Store:
    if url.startswith("s3://"):
        return S3Store(url, tmp_root, endpoint_url)
    return LocalStore(url, fsync)


def originals() -> Store:
    """The instance's store of originals, from settings."""
    from django.conf import settings

    return open_store(settings.STORE_URL, settings.HOME / "tmp", settings.STORE_FSYNC, settings.S3_ENDPOINT_URL)


def derivatives() -> Store:
    """The store of derivatives (thumbnails, previews): content-addressed too, never evidence."""
    from django.conf import settings

    return open_store(settings.DERIVATIVES_URL, settings.HOME / "tmp", False, settings.S3_ENDPOINT_URL)
