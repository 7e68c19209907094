-- Plays per user, local day and primary genre (with its genre family): genre shares, the genre
-- trend, seasons and plays per weekday or year of any range of days, for all genres or one family;
-- rolled up from mart_track_plays.
select
    user_key,
    user_name,
    local_date,
    year,
    month,
    weekday,
    season,
    season_year,
    genre_family,
    primary_genre,
    has_genre,
    cast(sum(plays) as {{ dbt.type_bigint() }}) as plays
from {{ ref('mart_track_plays') }}
group by user_key, user_name, local_date, year, month, weekday, season, season_year, genre_family, primary_genre,
    has_genre
