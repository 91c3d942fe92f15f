"""The city dashboard: one static page at /dashboard that draws GET /v1/kpis for analysts."""
