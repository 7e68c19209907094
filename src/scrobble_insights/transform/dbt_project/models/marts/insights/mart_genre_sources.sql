-- Which source decided the genres you play: plays per user and primary genre (dim_artist.primary_genre,
-- 'unknown' when neither source gave one), split by the source that decided the artist's primary genre
-- (dim_artist.genre_source, the genre rule): musicbrainz_plays + lastfm_plays = plays, except on
-- 'unknown', whose plays are the artists without a genre (genre_source 'none').
select
    p.user_name,
    a.primary_genre as genre,
    cast(sum(p.plays) as {{ dbt.type_bigint() }}) as plays,
    cast(sum(case when a.genre_source = 'musicbrainz' then p.plays else 0 end) as {{ dbt.type_bigint() }})
        as musicbrainz_plays,
    cast(sum(case when a.genre_source = 'lastfm' then p.plays else 0 end) as {{ dbt.type_bigint() }}) as lastfm_plays
from {{ ref('fact_artist_plays_monthly') }} as p
inner join {{ ref('dim_artist') }} as a on a.artist_key = p.artist_key
group by p.user_name, a.primary_genre
