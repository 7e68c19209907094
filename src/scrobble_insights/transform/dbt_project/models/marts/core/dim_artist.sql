-- One row per artist: every spelling of one artist (int_artist_names_resolved) is one row, shown under
-- its most-played spelling; MusicBrainz id, primary genre and genre family, first and last play. The
-- spellings themselves, with their plays, are in dim_artist_alias.
-- MusicBrainz: the artist is what MusicBrainz answered for its shown spelling's artist key
-- (mb_artist_key: 'mbid:<id>' or 'name:<spelling>', as `scrobble-insights enrich` asks); a key that
-- matched (mb_match mbid, merged or name) gives country, area, type, gender, life span and curated
-- genres, an ambiguous or unknown one (or a key never asked, mb_match null) none of them.
-- The genre rule (docs/decisions/0014-musicbrainz-genre-rule.md): the primary genre is the artist's top
-- curated MusicBrainz genre when any of its genres maps to the vocabulary (genre_source 'musicbrainz'),
-- else its top last.fm tag genre ('lastfm'), else 'unknown' ('none').
with artists as (
    select
        artist_key,
        max(displayed_name) as artist_name,           -- the same on every alias row
        max(tags_artist_name) as tags_artist_name,
        max(artist_mb_key) as mb_artist_key,          -- the same on every alias row
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

tag_genre as (
    select artist_name, genre, genre_family
    from {{ ref('int_artist_genres_ranked') }}
    where genre_source = 'lastfm' and genre_rank = 1
),

mb_genre as (
    select mb_artist_key, genre, genre_family
    from {{ ref('int_artist_genres_ranked') }}
    where genre_source = 'musicbrainz' and genre_rank = 1
),

-- a country's name from any artist whose area is that country (an artist from a city has only the code)
country_names as (
    select country_code, min(country_name) as country_name
    from {{ ref('stg_musicbrainz__artists') }}
    where country_name is not null
    group by country_code
),

chosen as (
    select
        a.*,
        case when mg.genre is not null then 'musicbrainz' when tg.genre is not null then 'lastfm' else 'none' end
            as genre_source,
        coalesce(mg.genre, tg.genre) as genre,
        case when mg.genre is not null then mg.genre_family else tg.genre_family end as family
    from artists as a
    left join mb_genre as mg on mg.mb_artist_key = a.mb_artist_key
    left join tag_genre as tg on tg.artist_name = a.tags_artist_name
)

select
    a.artist_key,
    a.artist_name,
    m.artist_mbid,
    coalesce(a.genre, 'unknown') as primary_genre,
    coalesce(a.family, case when a.genre is null then 'unknown' else 'other' end) as genre_family,
    {{ surrogate_key(["coalesce(a.genre, 'unknown')"]) }} as primary_genre_key,
    a.genre is not null as has_genre,
    a.genre_source,
    a.tags_artist_name,
    a.alias_count,
    a.first_played_at_utc,
    a.last_played_at_utc,
    a.plays,
    a.mb_artist_key,
    mb.mb_artist_mbid,
    mb.mb_match,
    mb.country_code,
    coalesce(mb.country_name, c.country_name) as country_name,
    mb.area_name,
    mb.artist_type,
    mb.gender,
    mb.begin_year,
    mb.end_year,
    mb.mb_genres
from chosen as a
left join mbids as m on m.artist_key = a.artist_key and m.position = 1
left join {{ ref('stg_musicbrainz__artists') }} as mb on mb.artist_key = a.mb_artist_key
left join country_names as c on c.country_code = mb.country_code
