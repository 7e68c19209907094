-- One row per user and UTC day that was extracted (a day with no plays is still a row).
select
    user_name,
    day as utc_date,
    scrobble_count,
    extracted_at,
    loaded_at
from {{ source('lastfm', 'extracted_days') }}
