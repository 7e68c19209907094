-- The latest user.getInfo answer per user.
select
    user_name,
    playcount,
    {{ from_unix_seconds('registered_uts') }} as registered_at_utc,
    nullif(country, '') as country,
    fetched_at
from {{ source('lastfm', 'user_infos') }}
