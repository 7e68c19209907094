-- Where your music comes from: plays and artists per user and the artist's country (dim_artist's, from
-- MusicBrainz; country_code null = unknown: never asked, not matched, or no country given).
-- share_of_known is the country's share of the plays whose artist's country is known (null on the
-- unknown row), so the known countries of a user sum to 1. Sums fact_artist_plays_monthly.
with countries as (
    select
        p.user_name,
        a.country_code,
        max(a.country_name) as country_name,          -- one name per code (dim_artist)
        sum(p.plays) as plays,
        count(distinct p.artist_key) as artists
    from {{ ref('fact_artist_plays_monthly') }} as p
    inner join {{ ref('dim_artist') }} as a on a.artist_key = p.artist_key
    group by p.user_name, a.country_code
)

select
    user_name,
    country_code,
    country_name,
    cast(plays as {{ dbt.type_bigint() }}) as plays,
    cast(artists as {{ dbt.type_bigint() }}) as artists,
    case when country_code is not null
         then plays * 1.0 / sum(case when country_code is not null then plays end) over (partition by user_name)
    end as share_of_known
from countries
