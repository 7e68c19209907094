"""The code location Dagster loads (`dagster dev -m scrobble_insights.orchestrate.location`).

Settings come from the environment, `.env` and scrobble-insights.toml, like every command's; the
users to orchestrate from `orchestrate --user` (else every configured user).
"""

import json
import os

from scrobble_insights.config import build_settings
from scrobble_insights.orchestrate import ORCHESTRATED_USERS
from scrobble_insights.orchestrate.definitions import build_definitions

defs = build_definitions(build_settings(), users=json.loads(os.environ.get(ORCHESTRATED_USERS) or "null"))
