"""The peer network: small-world ties within each GP practice, built with networkx.

Built lazily and cheaply (design.md): networkx makes one Watts-Strogatz graph per practice,
the edges go straight into a CSR adjacency for the daily step, and the per-practice graphs
are dropped. A scenario that never uses the network never pays for it (about 30 s at a
million people).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from sim.params import Params
from sim.population import People
from sim.rng import Streams


@dataclass
class PeerNetwork:
    """Undirected ties among the cohort as CSR arrays (row i lists i's peers)."""

    adjacency: sp.csr_array

    def peers(self, person: int) -> np.ndarray:
        a = self.adjacency
        return a.indices[a.indptr[person] : a.indptr[person + 1]]

    def degree(self) -> np.ndarray:
        return np.diff(self.adjacency.indptr)

    def to_networkx(self) -> nx.Graph:
        return nx.from_scipy_sparse_array(self.adjacency)


def build_peer_network(people: People, params: Params, streams: Streams) -> PeerNetwork:
    """One small-world graph per practice, joined into one sparse adjacency."""
    rng = streams.generator("peer_network")
    ties = int(params["network.ties_per_person"])
    rewire = params["network.rewire_probability"]
    order = np.argsort(people.practice, kind="stable")
    bounds = np.searchsorted(people.practice[order], np.arange(people.n_practices + 1))
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for k in range(people.n_practices):
        members = order[bounds[k] : bounds[k + 1]]
        n = members.size
        if n < 2:
            continue
        graph = nx.watts_strogatz_graph(n, min(ties, n - 1), rewire, seed=int(rng.integers(2**32)))
        edges = np.asarray(graph.edges(), dtype=np.int64).reshape(-1, 2)
        rows.append(members[edges[:, 0]])
        cols.append(members[edges[:, 1]])
    r = np.concatenate(rows) if rows else np.empty(0, np.int64)
    c = np.concatenate(cols) if cols else np.empty(0, np.int64)
    data = np.ones(2 * r.size, dtype=np.int8)
    adj = sp.coo_array((data, (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(people.size,) * 2)
    return PeerNetwork(adjacency=adj.tocsr())
