"""Use cases between the edge (pages, API) and the store/domain: transactions, orchestration, invalidation."""
