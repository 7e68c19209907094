-- Time zone periods per user: the zone in force during [valid_from_utc, valid_to_utc).
select
    user_name,
    timezone,
    {{ from_unix_seconds('valid_from_uts') }} as valid_from_utc,
    {{ from_unix_seconds('valid_to_uts') }} as valid_to_utc,
    valid_from_uts,
    valid_to_uts
from {{ source('reference', 'user_timezones') }}
