-- Plays per user, local day, local hour and genre family (the listening clock and the hours of any
-- range of days, for all genres or one family); rolled up from mart_track_plays.
select
    user_key,
    user_name,
    local_date,
    year,
    weekday,
    hour,
    genre_family,
    cast(sum(plays) as {{ dbt.type_bigint() }}) as plays
from {{ ref('mart_track_plays') }}
group by user_key, user_name, local_date, year, weekday, hour, genre_family
