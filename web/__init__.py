"""Flask/Dash glue shared by pages and the API: request context, auth gate, error pages."""
