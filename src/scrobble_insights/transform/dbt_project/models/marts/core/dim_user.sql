-- One row per listener: time zone now in force, hemisphere (seasons), and last.fm's profile facts.
select
    {{ surrogate_key(['u.user_name']) }} as user_key,
    u.user_name,
    u.timezone,
    u.hemisphere,
    i.registered_at_utc,
    i.playcount as lastfm_playcount,
    i.country
from {{ ref('stg_reference__users') }} as u
left join {{ ref('stg_lastfm__user_infos') }} as i on i.user_name = u.user_name
