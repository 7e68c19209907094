-- Plays per user, local day, local hour, track and album, with every attribute the serve layer
-- filters or groups by (calendar, season and the season's year, genre family and primary genre of the
-- artist, whether the artist has a genre and the play an album) and the discovery measures.
-- Additive: any range of days, any genre, any artist sums its rows.
with discovered as (
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
from {{ ref('fact_scrobbles') }} as f
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
