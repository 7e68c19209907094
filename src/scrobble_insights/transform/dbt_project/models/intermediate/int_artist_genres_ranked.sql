-- Genres of each artist from its tags: tags folded to canonical genres, weak tags dropped (but an
-- artist whose genre tags are all weak keeps its strongest one), spellings of one genre counted once
-- with the strongest spelling's weight (max, not the sum, so two mid-weight spellings cannot outvote a
-- stronger tag), and ranked: highest weight first, ties to the deeper (more specific) genre, then by name.
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
    select artist_name, genre, max(tag_weight) as weight
    from (select * from strong union all select * from fallback) as kept
    group by artist_name, genre
)

select
    s.artist_name,
    s.genre,
    s.weight,
    s.weight * 1.0 / sum(s.weight) over (partition by s.artist_name) as share,
    h.depth,
    h.genre_family,
    row_number() over (
        partition by s.artist_name order by s.weight desc, coalesce(h.depth, 0) desc, s.genre
    ) as genre_rank
from folded as s
left join {{ ref('genre_hierarchy') }} as h on h.genre = s.genre
