-- One row per album asked of MusicBrainz: renamed and typed; the first release date's '' made null and
-- its year (MusicBrainz dates are partial: YYYY, YYYY-MM or YYYY-MM-DD) taken out.
with source as (
    select *, nullif(first_release_date, '') as release_date
    from {{ source('musicbrainz', 'mb_release_groups') }}
)

select
    album_ref,
    lower(asked_release_mbid) as release_mbid,
    lower(asked_artist_mbid) as artist_mbid,
    asked_artist_name as artist_name_as_scrobbled,
    asked_title as album_name_as_scrobbled,
    lower(release_group_mbid) as release_group_mbid,
    title as release_group_title,
    primary_type,
    release_date as first_release_date,
    {{ dbt.safe_cast("substr(release_date, 1, 4)", dbt.type_int()) }} as first_release_year,
    match as release_match,
    score,
    answer,
    fetched_at
from source
