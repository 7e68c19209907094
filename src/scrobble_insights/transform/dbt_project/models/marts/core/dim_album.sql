-- One row per album: an artist (one per artist, so all its spellings) and a folded title, shown under the
-- title's most-played spelling (ties to the smallest spelling); scrobbles without an album share one
-- '(no album)' row per artist (is_unknown), kept apart from an album really called '(no album)'.
-- Its MusicBrainz release group: of the albums asked of MusicBrainz under this row (an album_ref per
-- release MBID last.fm gave, or per artist and album name as scrobbled), a matched one first ('mbid' before
-- 'title'), then the most played; null columns when none was asked.
with refs as (
    select
        n.artist_key,
        coalesce(s.album_name, '(no album)') as album_name,
        s.album_name is null as is_unknown,
        case
            when s.album_name is null then null
            when s.album_mbid is not null then 'mbid:' || lower(s.album_mbid)
            else 'title:' || s.artist_name || '|' || s.album_name
        end as album_ref,
        cast(sum(s.plays) as {{ dbt.type_bigint() }}) as plays,
        max(s.album_mbid) as album_mbid
    from {{ ref('int_scrobble_spellings') }} as s
    inner join {{ ref('int_artist_names_resolved') }} as n on n.artist_name = s.artist_name
    group by 1, 2, 3, 4
),

spellings as (
    select
        artist_key,
        album_name,
        {{ fold_name('album_name') }} as folded_album_name,
        is_unknown,
        sum(plays) as plays,
        max(album_mbid) as album_mbid
    from refs
    group by artist_key, album_name, is_unknown
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
),

release_groups as (
    select
        r.artist_key,
        {{ fold_name('r.album_name') }} as folded_album_name,
        g.release_group_mbid,
        g.first_release_year,
        g.release_match,
        row_number() over (
            partition by r.artist_key, {{ fold_name('r.album_name') }}
            order by case g.release_match when 'mbid' then 0 when 'title' then 1 when 'ambiguous' then 2 else 3 end,
                     r.plays desc, r.album_ref) as position
    from refs as r
    inner join {{ ref('stg_musicbrainz__release_groups') }} as g on g.album_ref = r.album_ref
    where not r.is_unknown
)

select
    {{ album_key('b.artist_key', "case when b.is_unknown then null else b.album_name end") }} as album_key,
    b.album_name,
    a.artist_name,
    b.artist_key,
    b.album_mbid,
    b.is_unknown,
    b.plays,
    g.release_group_mbid,
    g.first_release_year,
    g.release_match
from albums as b
inner join {{ ref('dim_artist') }} as a on a.artist_key = b.artist_key
left join release_groups as g
    on g.artist_key = b.artist_key and g.folded_album_name = b.folded_album_name and not b.is_unknown
    and g.position = 1
