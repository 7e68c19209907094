-- One row per artist name as scrobbled, resolved to the artist it is a spelling of (issue 11: one
-- artist per artist). Rebuilt whole on every build (a row per distinct name: small), so a tag answer
-- or a spelling that arrives later re-resolves every name; fact_scrobbles then replaces the user-days
-- whose stored artist_key no longer matches (changed_user_days).
--   1. A name's identity is its folded name (fold_name: case, accents, Unicode dashes/quotes/spaces),
--      folded from last.fm's own correction when there is one (artist.getTopTags autocorrect=1 answers
--      the canonical name: 'Mumiy Troll' -> 'Мумий Тролль'), else from the name itself.
--   2. Folded names that share a MusicBrainz id are one artist: each takes the smallest folded name
--      reachable through shared MBIDs (label propagation, `mbid_hops` rounds: chains longer than that
--      do not occur in real histories, and a fixed number of rounds runs the same on BigQuery, whose
--      recursive CTEs cannot stop on a cycle).
--   3. The artist is shown under its most-played spelling (plays by all users); ties go to the spelling
--      last.fm itself answered with, then to the smallest name (code point order), so the choice is
--      deterministic on every engine.
--   4. Its tags are those of its most-played spelling that has tags (same tie rule): with autocorrect
--      last.fm answers every spelling with the canonical artist's tags, so any tagged alias will do, and
--      a spelling never asked for (or scrobbled after the tag run) gets its artist's genre.
--   5. Each spelling has the MusicBrainz artist key the enrich step asks about (ADR 0011,
--      Warehouse.mb_artist_state): 'mbid:' and the greatest MBID last.fm gave with it, lower case, else
--      'name:' and the spelling; the artist's key (artist_mb_key) is that of its shown spelling (the
--      most played), so the artist's MusicBrainz data is what MusicBrainz answered for that spelling.
{%- set mbid_hops = 3 %}

with names as (
    select
        artist_name,
        cast(sum(plays) as {{ dbt.type_bigint() }}) as plays,
        max(artist_mbid) as greatest_mbid,
        min(first_played_at_utc) as first_played_at_utc,
        max(last_played_at_utc) as last_played_at_utc
    from {{ ref('int_scrobble_spellings') }}
    group by artist_name
),

name_mbids as (
    select
        artist_name,
        artist_mbid,
        row_number() over (partition by artist_name order by sum(plays) desc, artist_mbid) as position
    from {{ ref('int_scrobble_spellings') }}
    where artist_mbid is not null
    group by artist_name, artist_mbid
),

folded as (
    select
        n.*,
        f.corrected_name,
        {{ fold_name('coalesce(f.corrected_name, n.artist_name)') }} as folded_name
    from names as n
    left join {{ ref('stg_lastfm__artist_tag_fetches') }} as f on f.artist_name = n.artist_name
),

folded_mbids as (
    select distinct f.folded_name, m.artist_mbid
    from folded as f
    inner join name_mbids as m on m.artist_name = f.artist_name
),

labels_0 as (
    select distinct folded_name, folded_name as label
    from folded
),
{%- for hop in range(1, mbid_hops + 1) %}

mbid_labels_{{ hop }} as (
    select m.artist_mbid, min(l.label) as label
    from folded_mbids as m
    inner join labels_{{ hop - 1 }} as l on l.folded_name = m.folded_name
    group by m.artist_mbid
),

labels_{{ hop }} as (
    select l.folded_name, least(l.label, coalesce(min(ml.label), l.label)) as label
    from labels_{{ hop - 1 }} as l
    left join folded_mbids as m on m.folded_name = l.folded_name
    left join mbid_labels_{{ hop }} as ml on ml.artist_mbid = m.artist_mbid
    group by l.folded_name, l.label
),
{%- endfor %}

resolved as (
    select
        f.*,
        l.label as artist_folded_name,
        {{ surrogate_key(['l.label']) }} as artist_key,
        m.artist_mbid,
        f.artist_name in (select corrected_name from {{ ref('stg_lastfm__artist_tag_fetches') }}
                          where corrected_name is not null) as is_lastfm_spelling,
        f.artist_name in (select artist_name from {{ ref('stg_lastfm__artist_tags') }}) as has_tags
    from folded as f
    inner join labels_{{ mbid_hops }} as l on l.folded_name = f.folded_name
    left join name_mbids as m on m.artist_name = f.artist_name and m.position = 1
),

ranked as (
    select
        *,
        case when greatest_mbid is null then concat('name:', artist_name)
             else concat('mbid:', lower(greatest_mbid)) end as mb_key,
        row_number() over (
            partition by artist_key
            order by plays desc, case when is_lastfm_spelling then 0 else 1 end, artist_name
        ) as display_position,
        row_number() over (
            partition by artist_key
            order by case when has_tags then 0 else 1 end, plays desc,
                     case when is_lastfm_spelling then 0 else 1 end, artist_name
        ) as tag_position
    from resolved
)

select
    artist_name,
    artist_key,
    max(case when display_position = 1 then artist_name end) over (partition by artist_key) as displayed_name,
    max(case when tag_position = 1 and has_tags then artist_name end) over (partition by artist_key)
        as tags_artist_name,
    mb_key as mb_artist_key,
    max(case when display_position = 1 then mb_key end) over (partition by artist_key) as artist_mb_key,
    corrected_name,
    folded_name,
    artist_folded_name,
    artist_mbid,
    plays,
    first_played_at_utc,
    last_played_at_utc,
    display_position = 1 as is_displayed,
    has_tags
from ranked
