"""Planning analytics: hotspots, temporal patterns, drive-time coverage, station siting, reports (issue 6).

One module per task (``hotspots``, ``temporal``, ``coverage``, ``siting``, ``report``); they take
plain arrays or DataFrames and return small frozen dataclasses. ``service`` loads data through
``store.planning`` and runs them for the page and the API; ``figures`` draws plotly figures.
Nothing here imports Dash.
"""
