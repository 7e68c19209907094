"""The code location Dagster loads (`dagster dev -m scrobble_insights.orchestrate.location`).

Settings come from the environment, `.env` and scrobble-insights.toml, like every command's.
"""

from scrobble_insights.config import build_settings
from scrobble_insights.orchestrate.definitions import build_definitions

defs = build_definitions(build_settings())
