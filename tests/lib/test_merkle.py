import hashlib

import pytest

from dalil.lib.merkle import (
    inclusion_proof,
    leaf_hash,
    merkle_root,
    root_from_inclusion_proof,
    verify_inclusion,
)


# Straight transcription of RFC 6962 §2.1 MTH and §2.1.1 PATH, recursive and
# slow on purpose: the module's iterative code is checked against it.
def _k(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d):
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m, d):
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


# Leaves of the certificate-transparency reference tests.
CT_LEAVES = [
    b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _digests(n):
    return sorted(hashlib.sha256(b"file %d" % i).digest() for i in range(n))


def test_it_hashes_leaves_with_the_zero_prefix():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()


def test_it_gives_the_rfc6962_empty_tree_root():
    assert merkle_root([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_it_matches_the_certificate_transparency_roots():
    for n, expected in enumerate(CT_ROOTS, start=1):
        assert merkle_root(CT_LEAVES[:n]).hex() == expected


def test_it_matches_a_certificate_transparency_audit_path():
    assert [p.hex() for p in inclusion_proof(CT_LEAVES, 5)] == [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]


def test_it_matches_the_recursive_definition_for_sizes_1_to_70():
    leaves = _digests(70)
    for n in range(1, 71):
        d = leaves[:n]
        root = merkle_root(d)
        assert root == ref_mth(d), n
        for m in range(n):
            path = inclusion_proof(d, m)
            assert path == ref_path(m, d), (n, m)
            assert root_from_inclusion_proof(d[m], m, n, path) == root
            assert verify_inclusion(d[m], m, n, path, root)


def test_it_rejects_a_wrong_leaf_index_or_path():
    d = _digests(13)
    root = merkle_root(d)
    path = inclusion_proof(d, 6)
    assert not verify_inclusion(d[6], 7, 13, path, root)
    assert not verify_inclusion(d[7], 6, 13, path, root)
    bad = list(path)
    bad[1] = bytes([bad[1][0] ^ 1]) + bad[1][1:]
    assert not verify_inclusion(d[6], 6, 13, bad, root)
    # A size with a different shape fails.  (Every size from 9 to 16 gives
    # index 6 the same path shape, so the path alone does not pin the size:
    # the seal must sign tree_size together with the root.)
    assert not verify_inclusion(d[6], 6, 8, path, root)
    assert not verify_inclusion(d[6], 6, 7, path, root)


def test_it_raises_for_an_index_out_of_range():
    d = _digests(5)
    with pytest.raises(ValueError):
        inclusion_proof(d, 5)
    with pytest.raises(ValueError):
        root_from_inclusion_proof(d[0], 5, 5, inclusion_proof(d, 0))
    with pytest.raises(ValueError):
        root_from_inclusion_proof(d[0], -1, 5, inclusion_proof(d, 0))
    assert not verify_inclusion(d[0], 5, 5, inclusion_proof(d, 0), merkle_root(d))


def test_it_raises_for_a_path_of_the_wrong_length():
    d = _digests(9)
    path = inclusion_proof(d, 3)
    with pytest.raises(ValueError):
        root_from_inclusion_proof(d[3], 3, 9, path[:-1])
    with pytest.raises(ValueError):
        root_from_inclusion_proof(d[3], 3, 9, path + [path[0]])
    with pytest.raises(ValueError):
        root_from_inclusion_proof(d[0], 0, 1, [path[0]])
