-- Plays per user, local listening year and release year of the music (the album's release group's first
-- release year, dim_album.first_release_year; null when unknown): the music-age marts (mart_music_age,
-- mart_music_age_yearly) sum this instead of reading the fact twice. Grain one user, listen year and
-- release year (null = plays without a release year).
select
    f.user_name,
    cast(extract(year from f.local_date) as {{ dbt.type_int() }}) as listen_year,
    al.first_release_year as release_year,
    cast(count(*) as {{ dbt.type_bigint() }}) as plays
from {{ ref('fact_scrobbles') }} as f
inner join {{ ref('dim_album') }} as al on al.album_key = f.album_key
group by f.user_name, cast(extract(year from f.local_date) as {{ dbt.type_int() }}), al.first_release_year
