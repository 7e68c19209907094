{#- Each scrobble of `scrobbles` (a relation or CTE with stg_lastfm__scrobbles' columns) with the time
    zone in force for its user at that instant (`user_timezones`: stg_reference__user_timezones), and its
    local wall time. The body of int_scrobbles_localized; fact_scrobbles' incremental build applies it to
    the scrobbles of the changed days only, so that the history is not localized on every build (DuckDB
    computes the view's columns before it joins the changed days). -#}
{% macro localize_scrobbles(scrobbles, user_timezones) -%}
select
    s.scrobble_id,
    s.user_name,
    s.played_at_uts,
    s.played_at_utc,
    s.utc_date,
    s.artist_name,
    s.artist_mbid,
    s.track_name,
    s.track_mbid,
    s.album_name,
    s.album_mbid,
    s.loaded_at,
    z.timezone,
    {{ to_local_timestamp('s.played_at_utc', 'z.timezone') }} as played_at_local
from {{ scrobbles }} as s
inner join {{ user_timezones }} as z
    on z.user_name = s.user_name
    and s.played_at_uts >= z.valid_from_uts
    and s.played_at_uts < z.valid_to_uts
{%- endmacro %}
