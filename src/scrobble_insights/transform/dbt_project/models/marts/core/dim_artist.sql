-- One row per artist: every spelling of one artist (int_artist_names_resolved) is one row, shown under
-- its most-played spelling; MusicBrainz id, primary genre and genre family, first and last play. The
-- spellings themselves, with their plays, are in dim_artist_alias.
with artists as (
    select
        artist_key,
        max(displayed_name) as artist_name,           -- the same on every alias row
        max(tags_artist_name) as tags_artist_name,
        count(*) as alias_count,
        min(first_played_at_utc) as first_played_at_utc,
        max(last_played_at_utc) as last_played_at_utc,
        sum(plays) as plays
    from {{ ref('int_artist_names_resolved') }}
    group by artist_key
),

mbids as (
    select
        artist_key,
        artist_mbid,
        row_number() over (partition by artist_key order by plays desc, artist_name) as position
    from {{ ref('int_artist_names_resolved') }}
    where artist_mbid is not null
),

primary_genre as (
    select artist_name, genre, genre_family
    from {{ ref('int_artist_genres_ranked') }}
    where genre_rank = 1
)

select
    a.artist_key,
    a.artist_name,
    m.artist_mbid,
    coalesce(g.genre, 'unknown') as primary_genre,
    coalesce(g.genre_family, case when g.genre is null then 'unknown' else 'other' end) as genre_family,
    {{ surrogate_key(["coalesce(g.genre, 'unknown')"]) }} as primary_genre_key,
    g.genre is not null as has_genre,
    a.tags_artist_name,
    a.alias_count,
    a.first_played_at_utc,
    a.last_played_at_utc,
    a.plays
from artists as a
left join mbids as m on m.artist_key = a.artist_key and m.position = 1
left join primary_genre as g on g.artist_name = a.tags_artist_name
