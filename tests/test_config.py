"""Configuration: environment > .env > scrobble-insights.toml > defaults; the key stays secret."""

import os

import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.errors import ConfigError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("LASTFM_", "SCROBBLE_INSIGHTS_")):
            monkeypatch.delenv(name)
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


@pytest.mark.parametrize("variable, value", [
    ("SCROBBLE_INSIGHTS_RATE_LIMIT", "inf"), ("SCROBBLE_INSIGHTS_RATE_LIMIT", "nan"),
    ("SCROBBLE_INSIGHTS_RATE_LIMIT", "0"), ("SCROBBLE_INSIGHTS_RATE_LIMIT", "5000"),
    ("SCROBBLE_INSIGHTS_LOOKBACK_DAYS", "366"), ("SCROBBLE_INSIGHTS_LOOKBACK_DAYS", "-1"),
    ("SCROBBLE_INSIGHTS_REQUEST_TIMEOUT_S", "inf"), ("SCROBBLE_INSIGHTS_MAX_ATTEMPTS", "1000000"),
    ("SCROBBLE_INSIGHTS_RETRY_BACKOFF_S", "nan"), ("SCROBBLE_INSIGHTS_RETRY_BACKOFF_MAX_S", "1e308"),
    ("SCROBBLE_INSIGHTS_WINDOW_TARGET_PAGES", "99999999"), ("SCROBBLE_INSIGHTS_TAGS_MAX_AGE_DAYS", "99999999"),
])
def test_numeric_setting_out_of_sane_bounds_is_a_one_line_error_naming_it(clean_env, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=rf"^invalid setting {variable}: .*\(got '{value}'\)$") as caught:
        build_settings()
    assert "\n" not in str(caught.value)


def test_numeric_settings_at_their_bounds_are_accepted(clean_env, monkeypatch):
    monkeypatch.setenv("SCROBBLE_INSIGHTS_RATE_LIMIT", "1000")
    monkeypatch.setenv("SCROBBLE_INSIGHTS_LOOKBACK_DAYS", "365")
    settings = build_settings()
    assert (settings.rate_limit, settings.lookback_days) == (1000, 365)


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/2.0/", "http://127.0.0.1:0/2.0/", "http://127.0.0.1:port/",
                                 "http:///2.0/", "https://:443/2.0/", "http://[::1/2.0/"])
def test_api_url_with_a_bad_port_or_no_host_is_a_config_error(clean_env, monkeypatch, url):
    monkeypatch.setenv("LASTFM_API_URL", url)
    with pytest.raises(ConfigError, match=r"^invalid setting LASTFM_API_URL: .*(port|host)") as caught:
        build_settings()
    assert "\n" not in str(caught.value)


def test_api_url_with_host_and_port_is_accepted(clean_env, monkeypatch):
    monkeypatch.setenv("LASTFM_API_URL", "http://[::1]:8765/2.0/")
    assert build_settings().lastfm_api_url == "http://[::1]:8765/2.0/"


def test_bad_users_from_the_environment_name_the_environment_variable(clean_env, monkeypatch):
    monkeypatch.setenv("SCROBBLE_INSIGHTS_USERS", '[{"name": "x", "timezone": "Mars/Base"}]')
    with pytest.raises(ConfigError, match=r"^invalid setting SCROBBLE_INSIGHTS_USERS\[0\]\.timezone: unknown time zone"):
        build_settings()
    monkeypatch.setenv("SCROBBLE_INSIGHTS_USERS", "[broken")
    with pytest.raises(ConfigError, match=r"^invalid setting SCROBBLE_INSIGHTS_USERS: is not valid JSON"):
        build_settings()
    monkeypatch.delenv("SCROBBLE_INSIGHTS_USERS")
    (clean_env / ".env").write_text('SCROBBLE_INSIGHTS_USERS=[1]\n')
    with pytest.raises(ConfigError, match=r"^invalid setting SCROBBLE_INSIGHTS_USERS\[0\] in \.env: "):
        build_settings()


def test_users_from_the_environment_as_json_or_plain_names(clean_env, monkeypatch):
    monkeypatch.setenv("SCROBBLE_INSIGHTS_USERS", '["alice", "bob"]')
    assert build_settings().user_names() == ["alice", "bob"]
    monkeypatch.setenv("SCROBBLE_INSIGHTS_USERS", "alice, bob")
    assert build_settings().user_names() == ["alice", "bob"]
