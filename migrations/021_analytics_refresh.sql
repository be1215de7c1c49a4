-- Analytics facts are refreshed by a background refresher, not by readers.
--
-- analytics_refresh_state.version counts the refreshes that changed a fact table, so that a
-- stored dashboard result can say which state of the facts it was computed from;
-- recent_calls_at is when the calls of the last two WITA days were last rebuilt whole.
ALTER TABLE analytics_refresh_state
    ADD COLUMN version bigint NOT NULL DEFAULT 0,
    ADD COLUMN recent_calls_at timestamptz;

-- Recently computed dashboards, one row per view (hash of period, filters, targets and names):
-- leaders asking for the same view at the same time compute it once. A row is used only while
-- the facts are still at the version it was computed from; old rows are pruned on write.
CREATE UNLOGGED TABLE analytics_dashboard_cache (
    key          text PRIMARY KEY,
    version      bigint NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    payload      jsonb NOT NULL
);
CREATE INDEX analytics_dashboard_cache_at_idx ON analytics_dashboard_cache (computed_at);
