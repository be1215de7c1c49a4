"""Incident domain: catalog, life cycle, dispatch service, validation, admin operations, demo data."""
