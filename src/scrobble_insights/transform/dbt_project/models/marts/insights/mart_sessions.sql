{#- Incremental per user tail of sessions: from the session of the last play before a user's first
    changed UTC day on (see below). Deleted: the sessions from that day's start on, and those from the
    earliest new session on (the one in progress at the cut, when there is one). -#}
{%- set replaced -%}
exists (select 1 from (select user_name, min(utc_date) as from_date from __changed_user_days__ group by user_name) as c
        where c.user_name = DBT_INTERNAL_DEST.user_name
          and DBT_INTERNAL_DEST.started_at_uts >= {{ date_start_uts('c.from_date') }})
or exists (select 1 from (select user_name, min(started_at_uts) as from_uts from __new_rows__ group by user_name) as n
           where n.user_name = DBT_INTERNAL_DEST.user_name and DBT_INTERNAL_DEST.started_at_uts >= n.from_uts)
{%- endset %}
{#- implied by `replaced`: one bound for every user, applied while the target is scanned, before the
    correlated exists (see macros/changed_partitions.sql) -#}
{%- set replaced_bound -%}
DBT_INTERNAL_DEST.started_at_uts >= (
    select min(from_uts) from (
        select {{ date_start_uts('min(utc_date)') }} as from_uts from __changed_user_days__
        union all
        select min(started_at_uts) from __new_rows__
    ) as bounds)
{%- endset %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=[replaced_bound, replaced],
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}
-- depends_on: {{ ref('stg_lastfm__extracted_days') }}

-- Listening sessions: a gap of more than `session_gap_minutes` starts a new one.
-- Incremental per user (strategy replace_where): scrobble_sessions changes only from the start of a
-- user's first changed UTC day on, so the sessions recomputed are those that start at or after the
-- start of the session of the user's last play before that moment (the session in progress then),
-- or at that moment when there is no earlier play. Every play at or after that start belongs to one of
-- them. A full build recomputes every session: both give the same rows.
with
{%- if is_incremental() %}
bounds as (
    select user_name, {{ date_start_uts('min(utc_date)') }} as from_uts
    from {{ ref('int_user_days_changed') }}
    group by user_name
),

cuts as (
    -- session starts never decrease in play order: the latest start before the cut is the last play's
    -- (on or after the earliest day before the cuts: the history before it is skipped while scanning)
    select b.user_name, coalesce(max(s.session_started_at_uts), max(b.from_uts)) as cut_uts
    from bounds as b
    left join {{ ref('scrobble_sessions') }} as s
        on s.user_name = b.user_name and s.played_at_uts < b.from_uts
        and s.played_at_uts >= {{ date_start_uts(earliest_day_before_cuts(ref('int_user_days_changed'))) }}
    group by b.user_name
),
{%- endif %}

plays as (
    select
        s.session_id,
        s.session_started_at_uts,
        f.user_key,
        f.user_name,
        f.played_at_local,
        f.played_at_utc,
        f.local_date,
        f.artist_key
    from {{ ref('fact_scrobbles') }} as f
    inner join {{ ref('scrobble_sessions') }} as s on s.scrobble_id = f.scrobble_id
    {%- if is_incremental() %}
    inner join cuts as c
        on c.user_name = f.user_name and f.played_at_uts >= c.cut_uts and s.played_at_uts >= c.cut_uts
    {%- endif %}
)

select
    session_id,
    user_key,
    min(user_name) as user_name,
    min(session_started_at_uts) as started_at_uts,
    min(played_at_local) as started_at_local,
    max(played_at_local) as ended_at_local,
    min(local_date) as local_date,
    count(*) as tracks,
    count(distinct artist_key) as artists,
    {{ minutes_between('min(played_at_utc)', 'max(played_at_utc)') }} as span_minutes,
    extract(hour from min(played_at_local)) as start_hour,
    {{ day_part('extract(hour from min(played_at_local))') }} as day_part
from plays
group by session_id, user_key
