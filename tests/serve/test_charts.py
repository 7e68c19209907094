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
