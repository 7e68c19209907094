-- Listening sessions: a gap of more than `session_gap_minutes` starts a new one.
select
    s.session_id,
    f.user_key,
    min(f.user_name) as user_name,
    min(f.played_at_local) as started_at_local,
    max(f.played_at_local) as ended_at_local,
    min(f.local_date) as local_date,
    count(*) as tracks,
    count(distinct f.artist_key) as artists,
    {{ minutes_between('min(f.played_at_utc)', 'max(f.played_at_utc)') }} as span_minutes,
    extract(hour from min(f.played_at_local)) as start_hour,
    {{ day_part('extract(hour from min(f.played_at_local))') }} as day_part
from {{ ref('fact_scrobbles') }} as f
inner join {{ ref('scrobble_sessions') }} as s on s.scrobble_id = f.scrobble_id
group by s.session_id, f.user_key
