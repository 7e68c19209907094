-- Genres of each artist from both sources, ranked per source; dim_artist decides which source an
-- artist's genre comes from (the genre rule, docs/decisions/0014-musicbrainz-genre-rule.md) and
-- bridge_artist_genre follows its choice.
-- last.fm (genre_source 'lastfm', keyed by artist_name, the spelling whose tags these are): tags folded
-- to canonical genres, weak tags dropped (but an artist whose genre tags are all weak keeps its
-- strongest one), spellings of one genre counted once with the strongest spelling's weight (max, not the
-- sum, so two mid-weight spellings cannot outvote a stronger tag), and ranked: highest weight first, ties
-- to the deeper (more specific) genre, then by name.
-- MusicBrainz (genre_source 'musicbrainz', keyed by mb_artist_key): curated genres of a matched artist,
-- mapped to the vocabulary like tags (the tag lookup, else a genre of the hierarchy by that exact name),
-- weighted by their votes (every curated genre counts: no minimum), names that fold into one genre
-- counted once at their most voted, ranked like tags.
with genre_tags as (
    select t.artist_name, t.tag_weight, g.genre
    from {{ ref('stg_lastfm__artist_tags') }} as t
    inner join {{ ref('stg_reference__tag_genres') }} as g on g.tag_name = t.tag_name
    where g.genre is not null
),

strong as (
    select artist_name, tag_weight, genre
    from genre_tags
    where tag_weight >= {{ var('genre_min_weight') }}
),

fallback as (
    select artist_name, tag_weight, genre
    from (
        select
            t.artist_name, t.tag_weight, t.genre,
            row_number() over (
                partition by t.artist_name order by t.tag_weight desc, coalesce(h.depth, 0) desc, t.genre
            ) as position
        from genre_tags as t
        left join {{ ref('genre_hierarchy') }} as h on h.genre = t.genre
        where t.artist_name not in (select artist_name from strong)
    ) as ranked
    where position = 1
),

folded as (
    select artist_name, cast(null as {{ dbt.type_string() }}) as mb_artist_key, 'lastfm' as genre_source,
           genre, max(tag_weight) as weight
    from (select * from strong union all select * from fallback) as kept
    group by artist_name, genre
),

mb_genres as (
    select m.artist_key as mb_artist_key, m.votes, coalesce(t.genre, h.genre) as genre
    from {{ ref('stg_musicbrainz__artist_genres') }} as m
    left join {{ ref('stg_reference__tag_genres') }} as t on t.tag_name = m.genre_name
    left join {{ ref('genre_hierarchy') }} as h on h.genre = lower(m.genre_name)
),

mb_folded as (
    select cast(null as {{ dbt.type_string() }}) as artist_name, mb_artist_key, 'musicbrainz' as genre_source,
           genre, max(votes) as weight
    from mb_genres
    where genre is not null
    group by mb_artist_key, genre
),

sourced as (
    select * from folded
    union all
    select * from mb_folded
)

select
    s.artist_name,
    s.mb_artist_key,
    s.genre_source,
    s.genre,
    s.weight,
    s.weight * 1.0 / sum(s.weight) over (partition by s.genre_source, s.artist_name, s.mb_artist_key) as share,
    h.depth,
    h.genre_family,
    row_number() over (
        partition by s.genre_source, s.artist_name, s.mb_artist_key
        order by s.weight desc, coalesce(h.depth, 0) desc, s.genre
    ) as genre_rank
from sourced as s
left join {{ ref('genre_hierarchy') }} as h on h.genre = s.genre
