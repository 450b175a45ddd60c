"""Randomness that belongs to a (decision, day or count, person), never to a position in a stream.

Two mechanisms, chosen by cost (design.md, "Facts measured"):

* `Streams.uniform` hashes (replicate key, decision, index, person) with splitmix64. Its cost
  is proportional to the people who need a draw, so it serves rare decisions (A&E time of
  day, admission, length of stay, pathway) even at a million people.
* `HazardClock` is the cumulative-hazard threshold method for recurring events (crises,
  deaths, frailty steps, carer breakdowns): each person holds an Exp(1) threshold keyed by
  (decision, event count, person); daily hazards accumulate and the event fires when the sum
  passes the threshold. A lower hazard delays the *same* event for the same person, which
  pairs scenarios tightly, and a lever that changes one person's path moves nobody else's.

Setup-time draws (the synthetic population) come from `Streams.generator(name)`, a numpy
Generator seeded from the replicate's SeedSequence and the name, so adding a stream never
moves another.
"""

from __future__ import annotations

import hashlib

import numpy as np
from scipy.special import ndtri

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic)."""
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def name_key(name: str) -> int:
    """A stable 64-bit key for a decision name (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def replicate_seed(root_seed: int, replicate: int) -> np.random.SeedSequence:
    """The replicate's SeedSequence: child `replicate` of the root, the same in every scenario."""
    return np.random.SeedSequence(root_seed, spawn_key=(replicate,))


def _as_key(index: int | np.ndarray) -> np.ndarray:
    """An index as uint64 words: non-negative values unchanged, negative ones (warm-up days)
    wrapped two's-complement, so every day has its own key and day 0 onwards keep theirs."""
    return np.asarray(index, dtype=np.int64).reshape(-1).view(np.uint64)


class Streams:
    """All randomness of one replicate."""

    def __init__(self, root_seed: int, replicate: int):
        self.root_seed = int(root_seed)
        self.replicate = int(replicate)
        self._seq = replicate_seed(root_seed, replicate)
        self._key = np.uint64(self._seq.generate_state(1, dtype=np.uint64)[0])
        self._decision_keys: dict[str, np.ndarray] = {}

    def generator(self, name: str) -> np.random.Generator:
        """A numpy Generator for setup-time draws, keyed by name."""
        words = tuple(int(w) for w in np.frombuffer(name_key(name).to_bytes(8, "little"), np.uint32))
        seq = np.random.SeedSequence(self.root_seed, spawn_key=(self.replicate, *words))
        return np.random.default_rng(seq)

    def uniform(self, decision: str, index: int | np.ndarray, people: np.ndarray) -> np.ndarray:
        """U(0,1) for each person in `people`, fixed by (decision, index, person)."""
        people = np.asarray(people, dtype=np.uint64)
        z = _mix(self._decision_key(decision) ^ _as_key(index))
        z = _mix(z ^ people)
        return ((z >> _S11).astype(np.float64) + 0.5) * _TO_UNIT

    def _decision_key(self, decision: str) -> np.ndarray:
        """The replicate key mixed with the decision's name, cached (a 1-element array)."""
        key = self._decision_keys.get(decision)
        if key is None:
            key = _mix(np.array([self._key ^ np.uint64(name_key(decision))], dtype=np.uint64))
            self._decision_keys[decision] = key
        return key

    def exponential(self, decision: str, index: int | np.ndarray, people: np.ndarray) -> np.ndarray:
        """Exp(1) draws keyed like `uniform`."""
        return -np.log(self.uniform(decision, index, people))

    def normal(self, decision: str, index: int | np.ndarray, people: np.ndarray) -> np.ndarray:
        """Standard normal draws keyed like `uniform` (inverse CDF, so one uniform each)."""
        return ndtri(self.uniform(decision, index, people))


class HazardClock:
    """Recurring events by cumulative hazard against a per-person Exp(1) threshold."""

    def __init__(self, streams: Streams, decision: str, n: int):
        self._streams = streams
        self._decision = decision
        self._people = np.arange(n)
        self.accumulated = np.zeros(n)
        self.count = np.zeros(n, dtype=np.int64)
        self.threshold = streams.exponential(decision, 0, self._people)

    def advance(self, hazard: np.ndarray) -> np.ndarray:
        """Add one day's hazard (zero for people not at risk); return who has the event today."""
        self.accumulated += hazard
        fired = np.flatnonzero(self.accumulated >= self.threshold)
        if fired.size:
            self.accumulated[fired] = 0.0
            self.count[fired] += 1
            self.threshold[fired] = self._streams.exponential(self._decision, self.count[fired], fired)
        return fired
