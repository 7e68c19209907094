-- One row per album: an artist (one per artist, so all its spellings) and a folded title, shown under the
-- title's most-played spelling (ties to the smallest spelling); scrobbles without an album share one
-- '(no album)' row per artist (is_unknown), kept apart from an album really called '(no album)'.
with spellings as (
    select
        n.artist_key,
        coalesce(s.album_name, '(no album)') as album_name,
        {{ fold_name("coalesce(s.album_name, '(no album)')") }} as folded_album_name,
        s.album_name is null as is_unknown,
        count(*) as plays,
        max(s.album_mbid) as album_mbid
    from {{ ref('stg_lastfm__scrobbles') }} as s
    inner join {{ ref('int_artist_names_resolved') }} as n on n.artist_name = s.artist_name
    group by n.artist_key, coalesce(s.album_name, '(no album)'), s.album_name is null
),

albums as (
    select
        artist_key,
        folded_album_name,
        is_unknown,
        max(case when position = 1 then album_name end) as album_name,
        sum(plays) as plays,
        max(album_mbid) as album_mbid
    from (
        select *, row_number() over (
            partition by artist_key, folded_album_name, is_unknown order by plays desc, album_name) as position
        from spellings
    ) as ranked
    group by artist_key, folded_album_name, is_unknown
)

select
    {{ album_key('b.artist_key', "case when b.is_unknown then null else b.album_name end") }} as album_key,
    b.album_name,
    a.artist_name,
    b.artist_key,
    b.album_mbid,
    b.is_unknown,
    b.plays,
    -- MusicBrainz release group (issue 14): typed null stubs until raw.mb_release_groups is modelled
    -- (branch mbrg); wide_scrobbles and the music-age marts read first_release_year already.
    cast(null as {{ dbt.type_string() }}) as release_group_mbid,
    cast(null as {{ dbt.type_int() }}) as first_release_year,
    cast(null as {{ dbt.type_string() }}) as release_match
from albums as b
inner join {{ ref('dim_artist') }} as a on a.artist_key = b.artist_key
