{#- Incremental per user and local day: the tail of days from the day before a user's first changed
    UTC day, and the days whose artists' genres changed (see the comment below). The rows of every
    (user, local day) in the new rows are replaced, and those of the tail days (which may now be empty). -#}
{%- set replaced = local_days_replaced() %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=[replaced],
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}
-- depends_on: {{ ref('int_track_plays_regenred_days') }}

-- Plays per user, local day, local hour, track and album, with every attribute the serve layer
-- filters or groups by (calendar, season and the season's year, genre family and primary genre of the
-- artist, whether the artist has a genre and the play an album) and the discovery measures.
-- Additive: any range of days, any genre, any artist sums its rows.
-- Incremental per user and local day (strategy replace_where). A changed UTC day changes plays on its
-- local days, and first plays (so the discovery measures, and the year an artist was discovered) only
-- from its own time on (first_plays), so a user's local days from the day before their first changed
-- UTC day on are recomputed. An artist's genre can change on any day (new tags): the days holding rows
-- whose genre columns differ from dim_artist's now are recomputed too. A full build recomputes every
-- day: both give the same rows.
with
{%- if is_incremental() %}
facts as (
    -- the fact's rows of the days to recompute
    {{ rows_of_replaced_days(ref('fact_scrobbles'), ref('int_user_days_changed'), ref('int_track_plays_regenred_days')) }}
),
{%- endif %}

discovered as (
    -- the local year of each user's first play ever of each artist
    select user_key, artist_key, min(local_date) as first_played_on
    from {{ ref('first_plays') }}
    where is_artist_discovery
    group by user_key, artist_key
)

select
    f.user_key,
    f.user_name,
    f.local_date,
    d.year,
    d.month,
    cast(d.year as {{ dbt.type_string() }}) || '-' || right('0' || cast(d.month as {{ dbt.type_string() }}), 2)
        as month_label,
    d.weekday,
    case when u.hemisphere = 'south' then d.season_south else d.season_north end as season,
    d.season_year,
    t.hour,
    f.artist_key,
    f.album_key,
    f.track_key,
    a.genre_family,
    a.primary_genre,
    a.has_genre,
    not al.is_unknown as has_album,
    count(*) as plays,
    cast(sum(case when fp.is_artist_discovery then 1 else 0 end) as {{ dbt.type_bigint() }}) as new_artists,
    cast(sum(case when extract(year from disc.first_played_on) = d.year then 1 else 0 end) as {{ dbt.type_bigint() }})
        as plays_on_artists_new_that_year
from {% if is_incremental() %}facts{% else %}{{ ref('fact_scrobbles') }}{% endif %} as f
inner join {{ ref('dim_user') }} as u on u.user_key = f.user_key
inner join {{ ref('dim_date') }} as d on d.date_key = f.date_key
inner join {{ ref('dim_time_of_day') }} as t on t.time_key = f.time_key
inner join {{ ref('dim_artist') }} as a on a.artist_key = f.artist_key
inner join {{ ref('dim_album') }} as al on al.album_key = f.album_key
left join {{ ref('first_plays') }} as fp on fp.scrobble_id = f.scrobble_id
left join discovered as disc on disc.user_key = f.user_key and disc.artist_key = f.artist_key
group by
    f.user_key, f.user_name, f.local_date, d.year, d.month, d.weekday, u.hemisphere, d.season_north, d.season_south,
    d.season_year, t.hour, f.artist_key, f.album_key, f.track_key, a.genre_family, a.primary_genre, a.has_genre,
    al.is_unknown
{{ time_ordered('f.local_date') }}
