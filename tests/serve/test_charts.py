"""Chart builders: titles state the answer; a genre keeps its colour in every chart."""

import pandas as pd

from scrobble_insights.serve import charts


def test_a_genre_keeps_its_colour_across_charts():
    first = charts.genre_colors(["rock", "jazz", "other"]).to_dict()
    second = charts.genre_colors(["pop", "rock", "unknown", "shoegaze"]).to_dict()
    colour = {name: c for name, c in zip(first["domain"], first["range"], strict=True)}
    colour2 = {name: c for name, c in zip(second["domain"], second["range"], strict=True)}
    assert colour["rock"] == colour2["rock"]
    assert len(set(second["range"])) == len(second["range"])          # no two genres share a colour


def test_clock_title_states_the_peak_and_empty_data_says_so():
    data = pd.DataFrame([{"weekday": w, "hour": h, "plays": 9 if (w, h) == (5, 21) else 1,
                          "weekday_name": charts.WEEKDAYS[w - 1]} for w in range(1, 8) for h in range(24)])
    chart, headline = charts.clock_chart(data)
    assert headline == "You listen most at 21:00 on Fridays"
    assert chart.to_dict()["title"]["text"] == headline
    _, empty = charts.clock_chart(data.assign(plays=0))
    assert empty == "No plays in this period"


def svg(chart) -> str:
    import vl_convert as vlc

    spec = chart.to_dict()
    spec["width"] = 800 if spec.get("width") == "container" else spec.get("width", 800)
    return vlc.vegalite_to_svg(spec)


def test_a_one_year_history_gets_a_genre_trend_that_draws():
    data = pd.DataFrame({"year": [2025] * 3, "genre": ["rock", "jazz", "unknown"], "plays": [60, 30, 10],
                         "has_genre": [True, True, False], "year_plays": [100] * 3, "share": [0.6, 0.3, 0.1],
                         "speaks": [True] * 3, "min_plays": [100] * 3})
    chart, headline = charts.genre_trend_chart(data)
    assert headline == "Rock leads in 2025: 60% of your plays"
    assert svg(chart).count('aria-roledescription="bar"') == 3              # one stacked bar, three parts


def test_the_calendar_names_its_months_and_years():
    days = pd.date_range("2024-12-30", "2026-01-04")
    data = pd.DataFrame({"local_date": days, "year": days.year, "iso_week": days.isocalendar().week.to_numpy(),
                         "weekday": days.day_of_week + 1, "plays": [n % 7 for n in range(len(days))]})
    chart, _ = charts.calendar_chart(data)
    drawn = svg(chart)
    labels = ["Jan 2025", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan 2026"]
    positions = [drawn.index(f">{label}<") for label in labels]          # every month, in order
    assert positions == sorted(positions)
    many = pd.date_range("2015-01-01", "2018-12-31")
    long = pd.DataFrame({"local_date": many, "year": many.year, "iso_week": many.isocalendar().week.to_numpy(),
                         "weekday": many.day_of_week + 1, "plays": 1})
    drawn = svg(charts.calendar_chart(long)[0])
    assert all(f">{year}<" in drawn for year in range(2015, 2019)) and ">Feb<" not in drawn   # years only


def test_long_month_axes_tick_once_a_year_and_short_ones_every_month():
    def months(n: int) -> pd.DataFrame:
        labels = pd.period_range("2015-01", periods=n, freq="M").strftime("%Y-%m")
        return pd.DataFrame({"month": labels, "plays": 10, "new_artists": 1, "plays_on_new": 5,
                             "share_on_new": 0.5, "is_first_year": False, "is_partial_year": False})
    long, _ = charts.discovery_chart(months(120))
    axis = long.to_dict()["encoding"]["x"]["axis"]
    assert axis["format"] == "%Y" and axis["tickCount"] == {"interval": "year", "step": 1}
    assert long.to_dict()["encoding"]["x"]["type"] == "temporal"
    drawn = svg(long)
    assert all(f">{year}<" in drawn for year in range(2016, 2025)) and ">Jan 2016<" not in drawn
    short, headline = charts.discovery_chart(months(12))
    assert short.to_dict()["encoding"]["x"]["axis"]["format"] == "%b %Y"
    assert headline == "You discover 1.0 new artists a month (12 in 12 months); 50% of your plays go to artists new that year"
