{#- Incremental per user tail, as scrobble_sessions: from the start of a user's first changed UTC day
    (int_user_days_changed) every row is recomputed; the rows before it keep theirs. A play before the
    tail is not on a changed day, and every play that could come before it is not either, so its flags
    cannot change: a first play before the tail stays the first (every changed play is later), and a play
    before the tail that is not a first has an earlier play of its pair, before the tail too. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=play_tails_replaced(),
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}
{#- a first play's columns, as the fact has them -#}
{%- set row_columns = ['scrobble_id', 'user_key', 'user_name', 'artist_key', 'track_key', 'date_key', 'local_date',
                       'utc_date', 'played_at_uts'] %}

-- First plays: one row per scrobble that is a user's first play ever of its artist or of its track
-- (ties in time go to the lower scrobble_id). Readers left join it on scrobble_id; a scrobble not
-- here is neither. The first play of a pair is found by aggregation (earliest second, then lowest id),
-- not by a window over the whole history.
-- Incremental per user tail (strategy replace_where): the plays from the start of the user's first
-- changed UTC day on are read from the fact; a pair's earliest play among them is its first play unless
-- the pair has a stored first play before the tail. So each build reads the fact's tails and the stored
-- first plays, not the history (at 10 M scrobbles, recomputing every pair a changed day holds read and
-- wrote 186,000 stored rows a day). A full build reads every play: both give the same rows.

with
{%- if is_incremental() %}
tails as (
    select user_name, {{ date_start_uts('min(utc_date)') }} as from_uts
    from {{ ref('int_user_days_changed') }}
    group by user_name
),

plays as (
    select f.{{ row_columns | join(', f.') }}
    from {{ ref('fact_scrobbles') }} as f
    inner join tails as t on t.user_name = f.user_name and f.played_at_uts >= t.from_uts
    where f.played_at_uts >= (select min(from_uts) from tails)     -- implied; applied while scanning
),

earlier as (
    -- the stored first plays before the tails: their pairs already have their first play
    select p.user_name, p.artist_key, p.track_key, p.is_artist_discovery, p.is_track_discovery
    from {{ this }} as p
    inner join tails as t on t.user_name = p.user_name and p.played_at_uts < t.from_uts
),

artist_known as (
    select distinct user_name, artist_key from earlier where is_artist_discovery
),

track_known as (
    select distinct user_name, track_key from earlier where is_track_discovery
),
{%- endif %}
{#- the plays read: the tails' (a CTE), or the whole fact, read in place by each step -#}
{%- set plays = 'plays' if is_incremental() else ref('fact_scrobbles') %}

{%- for kind in ['artist', 'track'] %}

{{ kind }}_first_second as (
    select p.user_name, p.{{ kind }}_key, min(p.played_at_uts) as played_at_uts
    from {{ plays }} as p
    {%- if is_incremental() %}
    where not exists (select 1 from {{ kind }}_known as k
                      where k.user_name = p.user_name and k.{{ kind }}_key = p.{{ kind }}_key)
    {%- endif %}
    group by p.user_name, p.{{ kind }}_key
),

{{ kind }}_firsts as (
    select p.user_name, p.{{ kind }}_key, min(p.scrobble_id) as scrobble_id
    from {{ plays }} as p
    inner join {{ kind }}_first_second as s
        on s.user_name = p.user_name and s.{{ kind }}_key = p.{{ kind }}_key and s.played_at_uts = p.played_at_uts
    group by p.user_name, p.{{ kind }}_key
),
{%- endfor %}

candidates as (
    select scrobble_id from artist_firsts
    union distinct
    select scrobble_id from track_firsts
)

select
    f.scrobble_id,
    f.user_key,
    f.user_name,
    f.artist_key,
    f.track_key,
    f.date_key,
    f.local_date,
    f.utc_date,
    f.played_at_uts,
    af.scrobble_id is not null as is_artist_discovery,
    tf.scrobble_id is not null as is_track_discovery
from candidates as c
inner join {{ plays }} as f on f.scrobble_id = c.scrobble_id
left join artist_firsts as af on af.scrobble_id = f.scrobble_id
left join track_firsts as tf on tf.scrobble_id = f.scrobble_id
