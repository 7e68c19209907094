{#- Incremental per user tail of local years: from the year of the local day before a user's first
    changed UTC day on (a play's local day is at most one day before its UTC day). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=[local_years_replaced()],
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}

-- The top 100 artists, albums and tracks per user and local year, by keys, with rank and the change
-- against the year before: mart_top_music_yearly without the names (which can change on any day: an
-- artist is shown under its most-played spelling), so that it can be built per changed partition.
-- Plays without an album are no album: they are left out of the album list. An entry is new only when
-- there was a year before to be new against: in a user's first year, or after a year without plays,
-- is_new_entry is null.
-- Incremental per user (strategy replace_where): a changed UTC day changes plays on local days from the
-- day before it, so each user's years from the year of that day on are recomputed, from the plays of
-- those years and the year before (the ranks they are compared with); earlier years keep their rows.
-- A full build ranks every year: both give the same rows.
with
{%- if is_incremental() %}
tails as (
    -- per user, the first year recomputed and the first day read (1 January of the year before)
    select user_name, extract(year from from_day) as from_year,
           cast({{ dbt.dateadd('year', -1, dbt.date_trunc('year', 'from_day')) }} as date) as read_from
    from ({{ local_day_tails(ref('int_user_days_changed')) }}) as t
),
{%- endif %}

plays as (
    select m.user_key, m.user_name, m.year, 'artist' as entity_type, m.artist_key as entity_key,
           cast(sum(m.plays) as {{ dbt.type_bigint() }}) as plays
    from {{ ref('fact_artist_plays_monthly') }} as m
    {%- if is_incremental() %}
    inner join tails as t on t.user_name = m.user_name and m.year >= t.from_year - 1
    {%- endif %}
    group by m.user_key, m.user_name, m.year, m.artist_key
    union all
    select f.user_key, f.user_name, d.year, 'album', f.album_key, count(*)
    from {{ ref('fact_scrobbles') }} as f inner join {{ ref('dim_date') }} as d on d.date_key = f.date_key
    inner join {{ ref('dim_album') }} as al on al.album_key = f.album_key
    {%- if is_incremental() %}
    inner join tails as t on t.user_name = f.user_name and f.local_date >= t.read_from
    where f.local_date >= (select min(read_from) from tails) and not al.is_unknown     -- the bound: implied
    {%- else %}
    where not al.is_unknown
    {%- endif %}
    group by f.user_key, f.user_name, d.year, f.album_key
    union all
    select f.user_key, f.user_name, d.year, 'track', f.track_key, count(*)
    from {{ ref('fact_scrobbles') }} as f inner join {{ ref('dim_date') }} as d on d.date_key = f.date_key
    {%- if is_incremental() %}
    inner join tails as t on t.user_name = f.user_name and f.local_date >= t.read_from
    where f.local_date >= (select min(read_from) from tails)      -- implied: one bound, applied while scanning
    {%- endif %}
    group by f.user_key, f.user_name, d.year, f.track_key
),

years_played as (
    select distinct user_key, year from plays where entity_type = 'artist'
),

-- rank() over each list, computed on the list's distinct play counts: an entry's rank is 1 + the entries
-- of its list with more plays, a running sum over a few dozen counts per list instead of a sort of every
-- entry (0.3 s of this model's 0.5 s in a daily build at 10 M scrobbles)
play_counts as (
    select user_key, year, entity_type, plays, count(*) as entries
    from plays
    group by user_key, year, entity_type, plays
),

count_ranks as (
    select user_key, year, entity_type, plays,
        cast(1 + coalesce(sum(entries) over (partition by user_key, year, entity_type order by plays desc
                                             rows between unbounded preceding and 1 preceding), 0)
             as {{ dbt.type_bigint() }}) as rank_in_year
    from play_counts
),

ranked as (
    select p.*, c.rank_in_year
    from plays as p
    inner join count_ranks as c
        on c.user_key = p.user_key and c.year = p.year and c.entity_type = p.entity_type and c.plays = p.plays
)

select
    r.user_key,
    r.user_name,
    r.year,
    r.entity_type,
    r.entity_key,
    r.plays,
    r.rank_in_year,
    prev.rank_in_year as previous_rank,
    coalesce(prev.plays, 0) as previous_plays,
    case when played_before.year is not null then prev.entity_key is null end as is_new_entry
from ranked as r
{%- if is_incremental() %}
inner join tails as t on t.user_name = r.user_name and r.year >= t.from_year
{%- endif %}
left join ranked as prev
    on prev.user_key = r.user_key and prev.entity_type = r.entity_type
    and prev.entity_key = r.entity_key and prev.year = r.year - 1
left join years_played as played_before on played_before.user_key = r.user_key and played_before.year = r.year - 1
where r.rank_in_year <= 100
