"""A simulated crowd made of real votes: the oracle for vote-budget studies.

FERPlus gives 10 real votes per FER2013 face. To ask "which faces should
the next votes go to?" without paying anyone, keep a few votes per face as
the crowd a team would have (``keep``), hold the rest back, and answer each
task with one of that face's held-back votes, without replacement: every
answer a strategy buys is a real person's vote on that face.

Arrays follow :mod:`labels.votes`: vote counts (N, 10) in FERPlus column
order; a face's individual votes are column indices 0..9.
"""

import numpy as np

from labels.taxonomy import NUM_VOTE_COLUMNS
from labels.votes import check_votes


def vote_lists(votes):
    """Each face's votes as column indices: int array (N, V) padded with −1, V = the largest vote total."""
    votes = check_votes(votes)
    totals = votes.sum(axis=1)
    width = int(totals.max(initial=0))
    out = np.full((len(votes), width), -1, dtype=np.int64)
    for i, row in enumerate(votes):
        columns = np.repeat(np.arange(NUM_VOTE_COLUMNS), row)
        out[i, :len(columns)] = columns
    return out


class SimulatedCrowd:
    """``keep`` seeded votes per face up front; the rest answer tasks, in a seeded order, without replacement.

    Parameters
    ----------
    votes : int array (N, 10), the full real votes (the oracle)
    keep : votes per face the crowd starts with (fewer where a face has fewer)
    seed : shuffles each face's votes before they are split

    Attributes
    ----------
    initial : int array (N, 10), the kept votes
    remaining : int array (N,), held-back votes not yet given as answers
    """

    def __init__(self, votes, *, keep=3, seed=0):
        if int(keep) != keep or keep < 0:
            raise ValueError(f"keep must be a whole number ≥ 0, got {keep}")
        self.full = check_votes(votes)
        lists = vote_lists(self.full)
        rng = np.random.default_rng(seed)
        totals = self.full.sum(axis=1)
        for i, n in enumerate(totals):  # shuffle each face's real votes
            lists[i, :n] = lists[i, rng.permutation(n)]
        self._order = lists
        self._next = np.minimum(totals, int(keep)).astype(np.int64)
        self._totals = totals
        self.initial = np.zeros_like(self.full)
        for i in range(len(lists)):
            np.add.at(self.initial[i], lists[i, :self._next[i]], 1)

    def copy(self):
        """An independent crowd in the same state (same votes given, same order to come)."""
        other = object.__new__(SimulatedCrowd)
        other.full, other._order, other._totals, other.initial = self.full, self._order, self._totals, self.initial
        other._next = self._next.copy()
        return other

    @property
    def remaining(self):
        return self._totals - self._next

    def answer(self, sample_index):
        """One held-back vote per task: columns int array (M,), −1 where the face has none left.

        ``sample_index`` (M,) may repeat a face; each repeat takes its next vote.
        """
        sample_index = np.asarray(sample_index, dtype=np.int64)
        if sample_index.ndim != 1 or (len(sample_index) and (sample_index.min() < 0
                                                            or sample_index.max() >= len(self.full))):
            raise ValueError(f"sample_index must be 1-D with values in [0, {len(self.full)})")
        out = np.full(len(sample_index), -1, dtype=np.int64)
        for j, i in enumerate(sample_index):
            if self._next[i] < self._totals[i]:
                out[j] = self._order[i, self._next[i]]
                self._next[i] += 1
        return out
