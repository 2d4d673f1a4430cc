"""The write-once, content-addressed store, locally and on S3-compatible storage."""

import hashlib
import os
import stat

import boto3
import pytest
from moto import mock_aws

from dalil.evidence.store import LocalStore, S3Store, StoreError


def test_it_names_objects_by_their_sha256_and_makes_them_read_only(tmp_path):
    store = LocalStore(tmp_path / "store")
    sha = store.put_bytes(b"evidence")
    assert sha == hashlib.sha256(b"evidence").hexdigest()
    path = store.path(sha)
    assert path.read_bytes() == b"evidence"
    assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert list(store.shas()) == [sha]


def test_it_stores_the_same_bytes_once(tmp_path):
    store = LocalStore(tmp_path / "store")
    assert store.put_bytes(b"x") == store.put_bytes(b"x")
    assert len(list(store.shas())) == 1
    assert not list((tmp_path / "store" / ".incoming").iterdir())


def test_an_aborted_write_leaves_nothing_behind_a_name(tmp_path):
    store = LocalStore(tmp_path / "store")
    writer = store.writer()
    writer.write(b"half a file")
    writer.abort()
    assert list(store.shas()) == [] and not list((tmp_path / "store" / ".incoming").iterdir())


def test_it_says_which_object_is_missing(tmp_path):
    store = LocalStore(tmp_path / "store")
    with pytest.raises(StoreError, match="0{64} is missing"):
        store.open("0" * 64)


@mock_aws
def test_the_s3_store_keeps_objects_by_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    boto3.client("s3").create_bucket(Bucket="evidence")
    store = S3Store("s3://evidence/caesar", tmp_path / "tmp")
    sha = store.put_bytes(b"photo bytes")
    assert store.exists(sha) and not store.exists("f" * 64)
    assert store.open(sha).read() == b"photo bytes"
    assert store.hash_of_stored(sha) == sha
    assert store.put_bytes(b"photo bytes") == sha and list(store.shas()) == [sha]
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="evidence")["Contents"]]
    assert keys == [f"caesar/{sha[:2]}/{sha}"]


def test_it_sweeps_temporary_files_left_by_a_killed_writer(tmp_path):
    store = LocalStore(tmp_path / "store")
    writer = store.writer()
    writer.write(b"killed mid-write")
    writer._tmp.flush()
    old = 1_000_000_000
    os.utime(writer._tmp.name, (old, old))
    fresh = store.writer()
    fresh.write(b"still being written")
    assert store.sweep_incoming() == 1
    assert [p.name for p in (tmp_path / "store" / ".incoming").iterdir()] == [os.path.basename(fresh._tmp.name)]
