{#- Incremental per (user, artist) and (user, track) pair: the rows this build writes (the new rows) are the
    first plays on a changed day and those elsewhere whose flags changed; it deletes the rows on a changed
    day, the rows it writes again, and a stored first play of a pair that has another first play among
    the new rows (one that is no longer a first play, or is now only the first of its other pair). Every
    other row is still right: a pair's first play that did not move keeps its row as it is (at 10 M
    scrobbles, 186,000 such rows were deleted and written again each day when every row of a recomputed
    pair was replaced). Equality joins, not one join on the user with an OR. -#}
{%- set replaced -%}
exists (select 1 from __changed_user_days__ as c
        where c.user_name = DBT_INTERNAL_DEST.user_name and c.utc_date = DBT_INTERNAL_DEST.utc_date)
or DBT_INTERNAL_DEST.scrobble_id in (select scrobble_id from __new_rows__)
or (DBT_INTERNAL_DEST.is_artist_discovery
    and exists (select 1 from __new_rows__ as n
                where n.is_artist_discovery
                  and n.user_name = DBT_INTERNAL_DEST.user_name and n.artist_key = DBT_INTERNAL_DEST.artist_key))
or (DBT_INTERNAL_DEST.is_track_discovery
    and exists (select 1 from __new_rows__ as n
                where n.is_track_discovery
                  and n.user_name = DBT_INTERNAL_DEST.user_name and n.track_key = DBT_INTERNAL_DEST.track_key))
{%- endset %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=[replaced],
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}
{#- a first play's columns: the incremental build carries them from the rows it reads -#}
{%- set row_columns = ['scrobble_id', 'user_key', 'user_name', 'artist_key', 'track_key', 'date_key', 'local_date',
                       'utc_date', 'played_at_uts'] %}

-- First plays: one row per scrobble that is a user's first play ever of its artist or of its track
-- (ties in time go to the lower scrobble_id). Readers left join it on scrobble_id; a scrobble not
-- here is neither. The first play of a pair is found by aggregation (earliest second, then lowest id),
-- not by a window over the whole history.
-- Incremental per pair (strategy replace_where): a changed day can only change the first play of the
-- (user, artist) and (user, track) pairs it holds now or whose first play it held; only those pairs are
-- recomputed, each as the min of its plays on the changed days and its stored first play (from the
-- whole fact only for a pair whose stored first play was on a changed day). Every other pair keeps its first play, so a scrobble that is the first of
-- an untouched pair keeps that flag. A full build recomputes every pair: both give the same rows.

with
{%- if is_incremental() %}
changed_rows as (
    select f.{{ row_columns | join(', f.') }}
    from {{ ref('fact_scrobbles') }} as f
    inner join {{ ref('int_user_days_changed') }} as c on c.user_name = f.user_name and c.utc_date = f.utc_date
    where f.utc_date >= (select min(utc_date) from {{ ref('int_user_days_changed') }})   -- implied; applied while scanning
),

old_on_changed_days as (
    select p.*
    from {{ this }} as p
    inner join {{ ref('int_user_days_changed') }} as c on c.user_name = p.user_name and c.utc_date = p.utc_date
),

old_kept as (
    -- stored first plays on unchanged days: still in the fact, unchanged
    select p.{{ row_columns | join(', p.') }}, p.is_artist_discovery, p.is_track_discovery
    from {{ this }} as p
    where not exists (select 1 from {{ ref('int_user_days_changed') }} as c
                      where c.user_name = p.user_name and c.utc_date = p.utc_date)
),

artist_lost as (
    -- pairs whose stored first play was on a changed day (maybe deleted): their next play can be on
    -- any later day, so only these are recomputed from the whole fact (usually few)
    select distinct user_name, artist_key from old_on_changed_days where is_artist_discovery
),

track_lost as (
    select distinct user_name, track_key from old_on_changed_days where is_track_discovery
),

lost_from as (
    -- a lost pair's plays on unchanged days are all at or after its stored first play (on a changed day):
    -- the earliest of those first plays bounds the fact's rows read for every lost pair
    select min(played_at_uts) as played_at_uts from old_on_changed_days
),

{%- for kind in ['artist', 'track'] %}

{{ kind }}_lost_rows as (
    select f.{{ row_columns | join(', f.') }}
    from {{ ref('fact_scrobbles') }} as f
    inner join {{ kind }}_lost as l on l.user_name = f.user_name and l.{{ kind }}_key = f.{{ kind }}_key
    where f.played_at_uts >= (select played_at_uts from lost_from)
),
{%- endfor %}

artist_pairs as (
    select user_name, artist_key from changed_rows
    union distinct
    select user_name, artist_key from artist_lost
),

track_pairs as (
    select user_name, track_key from changed_rows
    union distinct
    select user_name, track_key from track_lost
),

-- A pair's first play now is the earliest of: its plays on the changed days, and its stored first play
-- when that is on an unchanged day (earlier plays than it are none: it was the first). A pair whose
-- stored first was on a changed day takes all its plays from the fact. Duplicates do not change a min.
artist_plays as (
    select scrobble_id, user_name, artist_key, played_at_uts from changed_rows
    union all
    select o.scrobble_id, o.user_name, o.artist_key, o.played_at_uts
    from old_kept as o
    where o.is_artist_discovery
      and exists (select 1 from artist_pairs as a where a.user_name = o.user_name and a.artist_key = o.artist_key)
    union all
    select scrobble_id, user_name, artist_key, played_at_uts from artist_lost_rows
),

track_plays as (
    select scrobble_id, user_name, track_key, played_at_uts from changed_rows
    union all
    select o.scrobble_id, o.user_name, o.track_key, o.played_at_uts
    from old_kept as o
    where o.is_track_discovery
      and exists (select 1 from track_pairs as t where t.user_name = o.user_name and t.track_key = o.track_key)
    union all
    select scrobble_id, user_name, track_key, played_at_uts from track_lost_rows
),

{%- else %}
artist_plays as (
    select scrobble_id, user_name, artist_key, played_at_uts from {{ ref('fact_scrobbles') }}
),

track_plays as (
    select scrobble_id, user_name, track_key, played_at_uts from {{ ref('fact_scrobbles') }}
),
{%- endif %}

artist_first_second as (
    select user_name, artist_key, min(played_at_uts) as played_at_uts
    from artist_plays
    group by user_name, artist_key
),

artist_firsts as (
    select p.user_name, p.artist_key, min(p.scrobble_id) as scrobble_id
    from artist_plays as p
    inner join artist_first_second as s
        on s.user_name = p.user_name and s.artist_key = p.artist_key and s.played_at_uts = p.played_at_uts
    group by p.user_name, p.artist_key
),

track_first_second as (
    select user_name, track_key, min(played_at_uts) as played_at_uts
    from track_plays
    group by user_name, track_key
),

track_firsts as (
    select p.user_name, p.track_key, min(p.scrobble_id) as scrobble_id
    from track_plays as p
    inner join track_first_second as s
        on s.user_name = p.user_name and s.track_key = p.track_key and s.played_at_uts = p.played_at_uts
    group by p.user_name, p.track_key
),

candidates as (
    select scrobble_id from artist_firsts
    union distinct
    select scrobble_id from track_firsts
    {%- if is_incremental() %}
    union distinct
    -- first plays of a recomputed pair on an unchanged day: still the first of their other pair?
    select p.scrobble_id
    from {{ this }} as p
    where exists (select 1 from artist_pairs as a where a.user_name = p.user_name and a.artist_key = p.artist_key)
       or exists (select 1 from track_pairs as t where t.user_name = p.user_name and t.track_key = p.track_key)
    {%- endif %}
),
{%- if is_incremental() %}

rows_read as (
    -- every row a first play can now be: the changed days' rows, the stored first plays on unchanged days
    -- (as in the fact, whose rows of those days did not change) and the lost pairs' rows. The first
    -- plays are taken from these, not looked up again in the whole fact (a scan of the history). Only
    -- the candidates' rows, made distinct after that: a union distinct of all of them (every stored first
    -- play) took 0.4 s of this model's 1.2 s at 10 M scrobbles.
    select distinct {{ row_columns | join(', ') }}
    from (
        {%- for source in ['changed_rows', 'old_kept', 'artist_lost_rows', 'track_lost_rows'] %}
        select {{ row_columns | join(', ') }} from {{ source }}
        {{- '\n        union all' if not loop.last }}
        {%- endfor %}
    ) as r
    where r.scrobble_id in (select scrobble_id from candidates)
),
{%- endif %}

flagged as (
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
        {%- if is_incremental() %}
        case when ap.user_name is not null then af.scrobble_id is not null
             else coalesce(old.is_artist_discovery, false) end as is_artist_discovery,
        case when tp.user_name is not null then tf.scrobble_id is not null
             else coalesce(old.is_track_discovery, false) end as is_track_discovery,
        -- written again: on a changed day (the predicate deletes those days) or not stored with these flags
        changed.user_name is not null or old.scrobble_id is null as is_rewritten,
        old.is_artist_discovery as was_artist_discovery,
        old.is_track_discovery as was_track_discovery
        {%- else %}
        af.scrobble_id is not null as is_artist_discovery,
        tf.scrobble_id is not null as is_track_discovery
        {%- endif %}
    from candidates as c
    inner join {% if is_incremental() %}rows_read{% else %}{{ ref('fact_scrobbles') }}{% endif %} as f
        on f.scrobble_id = c.scrobble_id
    left join artist_firsts as af on af.scrobble_id = f.scrobble_id
    left join track_firsts as tf on tf.scrobble_id = f.scrobble_id
    {%- if is_incremental() %}
    left join artist_pairs as ap on ap.user_name = f.user_name and ap.artist_key = f.artist_key
    left join track_pairs as tp on tp.user_name = f.user_name and tp.track_key = f.track_key
    left join {{ this }} as old on old.scrobble_id = f.scrobble_id
    left join {{ ref('int_user_days_changed') }} as changed
        on changed.user_name = f.user_name and changed.utc_date = f.utc_date
    {%- endif %}
)

select
    scrobble_id,
    user_key,
    user_name,
    artist_key,
    track_key,
    date_key,
    local_date,
    utc_date,
    played_at_uts,
    is_artist_discovery,
    is_track_discovery
from flagged
where (is_artist_discovery or is_track_discovery)
{%- if is_incremental() %}
  and (is_rewritten or is_artist_discovery <> was_artist_discovery or is_track_discovery <> was_track_discovery)
{%- endif %}
