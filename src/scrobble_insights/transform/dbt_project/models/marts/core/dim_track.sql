-- One row per track: an artist (one per artist, so all its spellings) and a folded title ('Don’t Stop'
-- and "Don't stop" are one track), shown under the title's most-played spelling (ties to the smallest
-- spelling), with its MusicBrainz id and first and last play.
with spellings as (
    select
        n.artist_key,
        s.track_name,
        {{ fold_name('s.track_name') }} as folded_track_name,
        cast(sum(s.plays) as {{ dbt.type_bigint() }}) as plays,
        min(s.first_played_at_utc) as first_played_at_utc,
        max(s.last_played_at_utc) as last_played_at_utc,
        max(s.track_mbid) as track_mbid
    from {{ ref('int_scrobble_spellings') }} as s
    inner join {{ ref('int_artist_names_resolved') }} as n on n.artist_name = s.artist_name
    group by n.artist_key, s.track_name
),

tracks as (
    select
        artist_key,
        folded_track_name,
        max(case when position = 1 then track_name end) as track_name,
        sum(plays) as plays,
        min(first_played_at_utc) as first_played_at_utc,
        max(last_played_at_utc) as last_played_at_utc,
        max(track_mbid) as track_mbid
    from (
        select *, row_number() over (
            partition by artist_key, folded_track_name order by plays desc, track_name) as position
        from spellings
    ) as ranked
    group by artist_key, folded_track_name
)

select
    {{ track_key('t.artist_key', 't.track_name') }} as track_key,
    t.track_name,
    a.artist_name,
    t.artist_key,
    t.track_mbid,
    t.first_played_at_utc,
    t.last_played_at_utc,
    t.plays
from tracks as t
inner join {{ ref('dim_artist') }} as a on a.artist_key = t.artist_key
