-- Plays per spelling as scrobbled: one row per artist, track and album name with the MusicBrainz ids
-- last.fm gave with them, over every user and the whole history, with the first and last play. The
-- one aggregate of all scrobbles that the artist resolution (int_artist_names_resolved) and the track and
-- album dimensions aggregate further. Made of two parts: the settled history before settled_before,
-- kept from build to build (int_scrobble_spellings_settled), and the scrobbles from that day on (2 to 3
-- months), aggregated at every build. Counts, first and last plays add up exactly across the two.
select
    {{ spelling_columns() | join(', ') }},
    cast(sum(plays) as {{ dbt.type_bigint() }}) as plays,
    min(first_played_at_utc) as first_played_at_utc,
    max(last_played_at_utc) as last_played_at_utc
from (
    select {{ spelling_columns() | join(', ') }}, plays, first_played_at_utc, last_played_at_utc
    from {{ ref('int_scrobble_spellings_settled') }}
    union all
    {{ spelling_plays('utc_date >= ' ~ spellings_settled_before()) }}
) as parts
group by {{ spelling_columns() | join(', ') }}
