"""Exact and near duplicates, blank images (numpy in, numpy out).

- exact: a hash of the decoded grayscale pixels (and shape), so the same
  picture stored as PNG and as lossless PGM matches, a re-encoded JPEG not;
- near: a 64-bit DCT perceptual hash (pHash: 32x32 resize, 2-D DCT, the
  8x8 lowest frequencies against their median); two images are near
  duplicates when their hashes differ in at most ``max_distance`` bits;
- groups: connected components of the "is a duplicate of" relation;
- blank: images whose pixel standard deviation is below a threshold.

Near-duplicate search uses the pigeonhole principle (multi-index hashing):
split the 64 bits into ``max_distance + 1`` chunks; two hashes within the
distance agree exactly on at least one chunk, so only hashes sharing a chunk
value are compared. That keeps the search near-linear for the small
distances that matter, where all-pairs would be quadratic.
"""

import hashlib

import cv2
import numpy as np
import scipy.fft
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

HASH_SIZE = 8
DCT_SIZE = 32


def pixel_hash(gray):
    """Hex digest of a grayscale uint8 image (H, W), shape included."""
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    h = hashlib.blake2b(digest_size=12)
    h.update(np.asarray(gray.shape, dtype=np.int32).tobytes())
    h.update(gray.tobytes())
    return h.hexdigest()


def perceptual_hashes(grays):
    """pHash of a batch of grayscale images: uint64 array (N,).

    ``grays`` is a sequence of uint8 arrays (H, W), any sizes.
    """
    if len(grays) == 0:
        return np.zeros(0, dtype=np.uint64)
    small = np.stack([
        cv2.resize(g, (DCT_SIZE, DCT_SIZE), interpolation=cv2.INTER_AREA) for g in grays
    ]).astype(np.float64)
    coeffs = scipy.fft.dct(scipy.fft.dct(small, axis=1, norm="ortho"), axis=2, norm="ortho")
    low = coeffs[:, :HASH_SIZE, :HASH_SIZE].reshape(len(grays), -1)
    bits = low > np.median(low, axis=1, keepdims=True)
    return np.packbits(bits, axis=1).view(">u8")[:, 0].astype(np.uint64)


def hamming(a, b):
    """Bit distance between uint64 arrays (broadcasting)."""
    return np.bitwise_count(np.bitwise_xor(a, b))


def exact_groups(hashes):
    """Group ids for equal hashes: int array (N,), -1 for samples without a twin."""
    hashes = np.asarray(hashes)
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    return _compact(np.where(counts[inverse] > 1, inverse, -1))


def near_groups(phashes, *, max_distance=4):
    """Connected groups of hashes within ``max_distance`` bits: int (N,), -1 = alone.

    Parameters
    ----------
    phashes : np.ndarray of shape (N,), uint64
    max_distance : int in 0..16
    """
    phashes = np.asarray(phashes, dtype=np.uint64)
    if not 0 <= max_distance <= 16:
        raise ValueError(f"max_distance must be between 0 and 16 bits, got {max_distance}")
    n = len(phashes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    uniq, inverse = np.unique(phashes, return_inverse=True)
    pairs_a, pairs_b = [], []
    if max_distance > 0:
        for lo, hi in _chunks(64, max_distance + 1):
            keys = (uniq >> np.uint64(lo)) & np.uint64((1 << (hi - lo)) - 1)
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
            ends = np.r_[starts[1:], len(order)]
            for s, e in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
                members = order[s:e]
                d = hamming(uniq[members][:, None], uniq[members][None, :])
                i, j = np.nonzero(np.triu(d <= max_distance, k=1))
                pairs_a.append(members[i])
                pairs_b.append(members[j])
    m = len(uniq)
    a = np.concatenate(pairs_a) if pairs_a else np.zeros(0, dtype=np.int64)
    b = np.concatenate(pairs_b) if pairs_b else np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(m, m))
    _, component = connected_components(graph, directed=False)
    per_sample = component[inverse]
    _, counts = np.unique(per_sample, return_counts=True)
    return _compact(np.where(counts[per_sample] > 1, per_sample, -1))


def group_flags(groups, splits, labels):
    """Per-sample flags for duplicate groups.

    Parameters
    ----------
    groups : int array (N,), -1 = not in a group
    splits : str array (N,)
    labels : object array (N,) of class names or None (None never conflicts)

    Returns
    -------
    (crosses_split, conflicting) : two bool arrays (N,)
        whether the sample's group spans more than one split, and whether
        its group holds more than one distinct (non-None) label.
    """
    groups = np.asarray(groups)
    crosses = np.zeros(len(groups), dtype=bool)
    conflict = np.zeros(len(groups), dtype=bool)
    members = np.flatnonzero(groups >= 0)
    if not len(members):
        return crosses, conflict
    by_group = {}
    for i in members:
        by_group.setdefault(int(groups[i]), []).append(i)
    for idx in by_group.values():
        if len({splits[i] for i in idx}) > 1:
            crosses[idx] = True
        if len({labels[i] for i in idx if labels[i] is not None}) > 1:
            conflict[idx] = True
    return crosses, conflict


def contrast(grays):
    """Pixel standard deviation per image: float array (N,)."""
    return np.array([float(np.std(g)) for g in grays])


def _chunks(bits, parts):
    edges = np.linspace(0, bits, parts + 1).round().astype(int)
    return list(zip(edges[:-1], edges[1:]))


def _compact(ids):
    """Renumber non-negative ids to 0..K-1 in order of first appearance."""
    out = np.full(len(ids), -1, dtype=np.int64)
    mask = ids >= 0
    if mask.any():
        _, first, inverse = np.unique(ids[mask], return_index=True, return_inverse=True)
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.argsort(first)] = np.arange(len(first))
        out[mask] = rank[inverse]
    return out
