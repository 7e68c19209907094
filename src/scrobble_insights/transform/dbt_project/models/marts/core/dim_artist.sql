-- One row per artist (as scrobbled): MusicBrainz id, primary and parent genre, first and last play.
with plays as (
    select
        artist_name,
        min(played_at_utc) as first_played_at_utc,
        max(played_at_utc) as last_played_at_utc,
        count(*) as plays
    from {{ ref('stg_lastfm__scrobbles') }}
    group by artist_name
),

mbids as (
    select artist_name, artist_mbid,
           row_number() over (partition by artist_name order by count(*) desc, artist_mbid) as position
    from {{ ref('stg_lastfm__scrobbles') }}
    where artist_mbid is not null
    group by artist_name, artist_mbid
),

primary_genre as (
    select artist_name, genre, genre_family
    from {{ ref('int_artist_genres_ranked') }}
    where genre_rank = 1
)

select
    {{ surrogate_key(['p.artist_name']) }} as artist_key,
    p.artist_name,
    m.artist_mbid,
    coalesce(g.genre, 'unknown') as primary_genre,
    coalesce(g.genre_family, case when g.genre is null then 'unknown' else 'other' end) as genre_family,
    {{ surrogate_key(["coalesce(g.genre, 'unknown')"]) }} as primary_genre_key,
    g.genre is not null as has_genre,
    p.first_played_at_utc,
    p.last_played_at_utc,
    p.plays
from plays as p
left join mbids as m on m.artist_name = p.artist_name and m.position = 1
left join primary_genre as g on g.artist_name = p.artist_name
