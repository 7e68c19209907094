-- Listening sessions, one row per scrobble: a gap of more than `session_gap_minutes` between a
-- user's consecutive plays starts a new session; plays in the same second are ordered by scrobble_id.
-- A table rebuilt from the whole fact on every run: a late scrobble can split or join sessions on
-- either side of it, and DuckDB windows a million rows in about a second, so recomputing only
-- "what a change can reach" (the old post-hooks) is not worth its code.

with ordered as (
    select
        scrobble_id,
        user_key,
        user_name,
        played_at_uts,
        lag(played_at_uts) over (partition by user_name order by played_at_uts, scrobble_id) as previous_uts
    from {{ ref('fact_scrobbles') }}
),

flagged as (
    select
        *,
        coalesce(played_at_uts - previous_uts > {{ var('session_gap_minutes') }} * 60, true) as is_session_start
    from ordered
),

started as (
    select
        *,
        max(case when is_session_start then played_at_uts end) over (
            partition by user_name order by played_at_uts, scrobble_id rows unbounded preceding
        ) as session_started_at_uts
    from flagged
)

select
    scrobble_id,
    {{ surrogate_key(['user_name', 'session_started_at_uts']) }} as session_id,
    user_key,
    user_name,
    session_started_at_uts,
    is_session_start,
    row_number() over (
        partition by user_name, session_started_at_uts order by played_at_uts, scrobble_id
    ) as play_in_session
from started
