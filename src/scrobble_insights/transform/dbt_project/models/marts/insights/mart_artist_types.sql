-- Bands or solo artists: plays and artists per user and the artist's MusicBrainz type (Person, Group,
-- Orchestra, Choir, Character, Other; null = unknown). share_of_known is the type's share of the plays
-- whose artist's type is known (null on the unknown row). Sums fact_artist_plays_monthly.
with types as (
    select
        p.user_name,
        a.artist_type,
        sum(p.plays) as plays,
        count(distinct p.artist_key) as artists
    from {{ ref('fact_artist_plays_monthly') }} as p
    inner join {{ ref('dim_artist') }} as a on a.artist_key = p.artist_key
    group by p.user_name, a.artist_type
)

select
    user_name,
    artist_type,
    cast(plays as {{ dbt.type_bigint() }}) as plays,
    cast(artists as {{ dbt.type_bigint() }}) as artists,
    case when artist_type is not null
         then plays * 1.0 / sum(case when artist_type is not null then plays end) over (partition by user_name)
    end as share_of_known
from types
