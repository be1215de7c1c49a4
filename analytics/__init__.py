"""Response-time analytics for city leadership: intervals, fractiles, targets, reports, imports."""
