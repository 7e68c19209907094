-- One row per user with the configured time zone (current) and hemisphere.
select
    user_name,
    timezone,
    hemisphere
from {{ source('reference', 'users') }}
