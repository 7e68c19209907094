-- Artist <-> genre with weights (an artist has several genres); artists without a genre map to
-- 'unknown' with share 1, so splitting plays by share always adds up to the plays. An artist's genres
-- come from the source that decided its primary genre (dim_artist.genre_source, the genre rule): its
-- curated MusicBrainz genres, or the tags of the spelling whose tags stand for it
-- (dim_artist.tags_artist_name), so every spelling has them.
with genres as (
    select a.artist_key, g.genre, g.weight, g.share, g.genre_rank
    from {{ ref('dim_artist') }} as a
    inner join {{ ref('int_artist_genres_ranked') }} as g
        on g.genre_source = 'musicbrainz' and g.mb_artist_key = a.mb_artist_key
    where a.genre_source = 'musicbrainz'
    union all
    select a.artist_key, g.genre, g.weight, g.share, g.genre_rank
    from {{ ref('dim_artist') }} as a
    inner join {{ ref('int_artist_genres_ranked') }} as g
        on g.genre_source = 'lastfm' and g.artist_name = a.tags_artist_name
    where a.genre_source = 'lastfm'
)

select
    a.artist_key,
    {{ surrogate_key(["coalesce(g.genre, 'unknown')"]) }} as genre_key,
    coalesce(g.genre, 'unknown') as genre,
    coalesce(g.weight, 0) as weight,
    coalesce(g.share, 1.0) as share,
    coalesce(g.genre_rank, 1) as genre_rank,
    coalesce(g.genre_rank, 1) = 1 as is_primary
from {{ ref('dim_artist') }} as a
left join genres as g on g.artist_key = a.artist_key
