"""Planning analytics: hotspots, temporal patterns, drive-time coverage, station siting, reports.

One module per task (``hotspots``, ``temporal``, ``coverage``, ``siting``, ``report``); they take
plain arrays or DataFrames and return small frozen dataclasses. ``services.planning`` loads data
through ``store.planning`` and runs them for the page and the API; ``figures`` draws plotly figures.
Nothing here imports Dash or the store.
"""
