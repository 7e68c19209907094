{#- Incremental per user tail: from the start of a user's first changed UTC day (int_user_days_changed)
    every play is recomputed; the plays before it, untouched by this build's fact, keep their rows, and
    the last of them (the anchor) carries the session in progress across the cut. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=play_tails_replaced(),
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}
-- depends_on: {{ ref('stg_lastfm__extracted_days') }}

-- Listening sessions, one row per scrobble: a gap of more than `session_gap_minutes` between a
-- user's consecutive plays starts a new session; plays in the same second are ordered by scrobble_id.
-- Incremental per user from the first changed day (strategy replace_where): a late or deleted scrobble
-- can only change sessions from its own play on, so a user's plays from the start of the first UTC day
-- this build replaced are recomputed, continuing the session of the last play before it (the anchor).
-- A full build has no anchor and recomputes every play: both give the same rows.

with
{%- if is_incremental() %}
bounds as (
    select user_name, {{ date_start_uts('min(utc_date)') }} as from_uts
    from {{ ref('int_user_days_changed') }}
    group by user_name
),

before_from as (
    -- every user's last play before the cut is on or after this instant: the history before it is skipped
    select {{ date_start_uts(earliest_day_before_cuts(ref('int_user_days_changed'))) }} as from_uts
),

last_before as (
    select s.user_name, max(s.played_at_uts) as played_at_uts
    from {{ this }} as s
    inner join bounds as b on b.user_name = s.user_name and s.played_at_uts < b.from_uts
    where s.played_at_uts >= (select from_uts from before_from)
    group by s.user_name
),

anchor as (
    -- the last play before the cut (ties in time: the highest scrobble_id, the last in session order);
    -- one more read of the table, for the plays at that second only
    select user_name, played_at_uts, session_started_at_uts, play_in_session
    from (
        select s.user_name, s.played_at_uts, s.session_started_at_uts, s.play_in_session,
               row_number() over (partition by s.user_name order by s.scrobble_id desc) as position
        from {{ this }} as s
        inner join last_before as l on l.user_name = s.user_name and l.played_at_uts = s.played_at_uts
        where s.played_at_uts >= (select from_uts from before_from)
    ) as last_rows
    where position = 1
),

plays as (
    select f.scrobble_id, f.user_key, f.user_name, f.played_at_uts
    from {{ ref('fact_scrobbles') }} as f
    inner join bounds as b on b.user_name = f.user_name and f.played_at_uts >= b.from_uts
    where f.played_at_uts >= (select min(from_uts) from bounds)     -- implied; applied while scanning
),
{%- else %}
plays as (
    select scrobble_id, user_key, user_name, played_at_uts
    from {{ ref('fact_scrobbles') }}
),
{%- endif %}

ordered as (
    select
        p.*,
        lag(p.played_at_uts) over (partition by p.user_name order by p.played_at_uts, p.scrobble_id) as previous_uts
    from plays as p
),

flagged as (
    select
        o.scrobble_id,
        o.user_key,
        o.user_name,
        o.played_at_uts,
        coalesce(o.played_at_uts - {% if is_incremental() %}coalesce(o.previous_uts, a.played_at_uts){% else %}o.previous_uts{% endif %}
            > {{ var('session_gap_minutes') }} * 60, true) as is_session_start
        {%- if is_incremental() %},
        a.session_started_at_uts as anchor_started_at_uts,
        a.play_in_session as anchor_play_in_session
        {%- endif %}
    from ordered as o
    {%- if is_incremental() %}
    left join anchor as a on a.user_name = o.user_name
    {%- endif %}
),

started as (
    select
        *,
        {% if is_incremental() %}coalesce({% endif -%}
        max(case when is_session_start then played_at_uts end) over (
            partition by user_name order by played_at_uts, scrobble_id rows unbounded preceding
        ){% if is_incremental() %}, anchor_started_at_uts){% endif %} as session_started_at_uts
    from flagged
)

select
    scrobble_id,
    {{ surrogate_key(['user_name', 'session_started_at_uts']) }} as session_id,
    user_key,
    user_name,
    played_at_uts,
    session_started_at_uts,
    is_session_start,
    row_number() over (
        partition by user_name, session_started_at_uts order by played_at_uts, scrobble_id
    ){% if is_incremental() %}
        + case when session_started_at_uts = anchor_started_at_uts then anchor_play_in_session else 0 end{% endif %}
        as play_in_session
from started
{{ time_ordered('played_at_uts') }}
