"""Travel time over land and bridges, and the nearest suitable unit.

One graph type (:class:`routing.graph.TravelGraph`) from two sources: an imported road network
(``python -m routing.import_roads``) or, without road data, an approximate land lattice.
:func:`routing.network.load_network` picks one and applies the network corrections
(connectors such as the Teluk Kendari bridge, closures, speed factors). Every ETA says which
model produced it and where its data come from. See ``docs/routing.md``.

The package ``__init__`` imports nothing, so importing one module never loads the others:
import from the modules (``routing.recommend``, ``routing.network`` ...).
"""
