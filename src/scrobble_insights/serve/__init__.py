"""SERVE: the dashboard, the static report, charts and exports, read from the marts."""
