"""Configuration: environment > .env > scrobble-insights.toml > defaults; the key stays secret."""

import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.errors import ConfigError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("LASTFM_API_KEY", "LASTFM_API_URL", "SCROBBLE_INSIGHTS_DATA_DIR", "SCROBBLE_INSIGHTS_RATE_LIMIT",
                 "SCROBBLE_INSIGHTS_USERS", "SCROBBLE_INSIGHTS_LOOKBACK_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(clean_env):
    settings = build_settings()
    assert settings.lastfm_api_url == "https://ws.audioscrobbler.com/2.0/"
    assert str(settings.data_dir) == "scrobble-data" and settings.rate_limit == 5 and settings.lookback_days == 14
    assert settings.warehouse_path.name == "warehouse.duckdb"


def test_precedence_env_over_dotenv_over_toml(clean_env, monkeypatch):
    (clean_env / "scrobble-insights.toml").write_text('rate_limit = 2\nlookback_days = 7\nusers = ["alice"]\n'
                                                      'data_dir = "from-toml"\n')
    (clean_env / ".env").write_text("SCROBBLE_INSIGHTS_RATE_LIMIT=3\nLASTFM_API_KEY=abc123abc123\n")
    monkeypatch.setenv("SCROBBLE_INSIGHTS_DATA_DIR", "from-env")
    settings = build_settings()
    assert (settings.rate_limit, settings.lookback_days, settings.user_names()) == (3, 7, ["alice"])
    assert str(settings.data_dir) == "from-env"
    assert settings.api_key() == "abc123abc123"
    assert build_settings(rate_limit=9).rate_limit == 9          # command-line options win


def test_key_is_masked_in_repr_and_required_when_missing(clean_env, monkeypatch):
    monkeypatch.setenv("LASTFM_API_KEY", "very-secret-key-123")
    settings = build_settings()
    assert "very-secret-key-123" not in repr(settings) and "very-secret-key-123" not in str(settings)
    monkeypatch.delenv("LASTFM_API_KEY")
    with pytest.raises(ConfigError, match="LASTFM_API_KEY is not set"):
        build_settings().api_key()


def test_invalid_values_name_the_variable(clean_env, monkeypatch):
    monkeypatch.setenv("SCROBBLE_INSIGHTS_RATE_LIMIT", "-1")
    with pytest.raises(ConfigError, match=r"invalid setting SCROBBLE_INSIGHTS_RATE_LIMIT: .* \(got .-1.\)"):
        build_settings()
    monkeypatch.delenv("SCROBBLE_INSIGHTS_RATE_LIMIT")
    monkeypatch.setenv("LASTFM_API_URL", "ws.audioscrobbler.com")
    with pytest.raises(ConfigError, match="invalid setting LASTFM_API_URL: must start with http:// or https://"):
        build_settings()
    monkeypatch.delenv("LASTFM_API_URL")
    (clean_env / "scrobble-insights.toml").write_text("rate_limit = [broken")
    with pytest.raises(ConfigError, match="could not read the configuration"):
        build_settings()


def test_users_with_time_zones_moves_and_hemisphere_from_toml(clean_env, monkeypatch):
    (clean_env / "scrobble-insights.toml").write_text(
        '[[users]]\nname = "alice"\ntimezone = "Europe/London"\n\n'
        '[[users]]\nname = "bob"\nhemisphere = "south"\n'
        'moves = [{since = 2019-06-01, tz = "America/New_York"}]\n')
    monkeypatch.setenv("SCROBBLE_INSIGHTS_TIMEZONE", "Australia/Sydney")
    settings = build_settings()
    assert settings.user_names() == ["alice", "bob"]
    bob = settings.profile("BOB")
    assert (bob.hemisphere, bob.timezone, bob.moves[0].tz, str(bob.moves[0].since)) == (
        "south", None, "America/New_York", "2019-06-01")
    assert settings.default_timezone() == "Australia/Sydney"
    assert settings.profile("carol").timezone is None           # unknown users get the defaults
    (clean_env / "scrobble-insights.toml").write_text('[[users]]\nname = "x"\ntimezone = "Mars/Base"\n')
    with pytest.raises(ConfigError, match=r"users\[0\].timezone in scrobble-insights.toml: unknown time zone"):
        build_settings()
