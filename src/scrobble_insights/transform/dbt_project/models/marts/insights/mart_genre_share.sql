{#- Incremental per user and period (strategy replace_where): the (user, period_grain, period) partitions
    that int_genre_share_periods_changed lists (the periods of each user's tail of months, and of the
    months holding an artist whose genres changed) are deleted and computed again, whole. -#}
{%- set replaced = in_recorded_partitions('__genre_share_periods_changed__', 'DBT_INTERNAL_DEST', ['user_key', 'period_grain', 'period']) %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=[replaced],
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}
-- depends_on: {{ ref('int_genre_share_periods_changed') }}

-- Share of listening per genre and per parent genre, by year, season, calendar month and month of
-- the year. `plays` credits each play to the artist's primary genre; `weighted_plays` splits each
-- play across the artist's genres by their weight (both sum to the period's plays). A period speaks
-- for a trend only with at least `trend_min_plays` plays (dbt var, 100: a share's standard error is
-- then at most 5 points): is_trend_period. has_genre is false for 'unknown' (artists without a genre).
-- Incremental per user and period: a period is recomputed whole, from all its months, when one of its
-- months changed (the tail of months fact_artist_plays_monthly recomputed) or holds an artist whose
-- genres changed since the last build (int_genre_share_periods_changed); other periods keep their
-- rows. A full build computes every period: both give the same rows.
with
{%- if is_incremental() %}
changed as (
    select user_key, period_grain, period from {{ ref('int_genre_share_periods_changed') }}
),

changed_months as (
    -- the months the changed periods sum: a month's own, a year's, a season's or a month of the year's
    -- in every year (from the user's months, a hundred or so per user)
    select distinct l.user_key, l.year, l.month
    from (
        select m.user_key, m.year, m.month, {{ genre_share_period_labels('m.year', 'm.month', 'u.hemisphere') }}
        from (select distinct user_key, year, month from {{ ref('int_genre_plays_monthly') }}) as m
        inner join {{ ref('dim_user') }} as u on u.user_key = m.user_key
    ) as l
    inner join changed as c
        on c.user_key = l.user_key
       and ((c.period_grain = 'year' and c.period = l.year_label)
         or (c.period_grain = 'season' and c.period = l.season_label)
         or (c.period_grain = 'month' and c.period = l.month_label)
         or (c.period_grain = 'month_of_year' and c.period = l.month_of_year_label))
),
{%- endif %}

monthly as (
    -- plays per user, local month and genre (int_genre_plays_monthly, a few dozen rows per user and
    -- month): the periods below sum these, 4 periods per month
    select m.user_key, m.year, m.month, m.genre, m.genre_family, m.primary_plays, m.weighted_plays
    from {{ ref('int_genre_plays_monthly') }} as m
    {%- if is_incremental() %}
    inner join changed_months as c on c.user_key = m.user_key and c.year = m.year and c.month = m.month
    {%- endif %}
),

plays as (
    select
        m.user_key,
        m.genre,
        m.genre_family,
        m.primary_plays,
        m.weighted_plays,
        {{ genre_share_period_labels('m.year', 'm.month', 'u.hemisphere') }}
    from monthly as m
    inner join {{ ref('dim_user') }} as u on u.user_key = m.user_key
),

{#- each period's months; on an incremental build only those of the changed periods -#}
{%- set grains = [('year', 'year_label'), ('season', 'season_label'), ('month', 'month_label'),
                  ('month_of_year', 'month_of_year_label')] %}
credited as (
    {%- for grain, label in grains %}
    select p.user_key, p.genre, p.genre_family, p.primary_plays as primary_play, p.weighted_plays as weighted_play,
           '{{ grain }}' as period_grain, p.{{ label }} as period
    from plays as p
    {%- if is_incremental() %}
    inner join changed as c on c.user_key = p.user_key and c.period_grain = '{{ grain }}' and c.period = p.{{ label }}
    {%- endif %}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

by_level as (
    select user_key, period_grain, period, 'genre' as genre_level, genre,
           sum(primary_play) as plays, sum(weighted_play) as weighted_plays
    from credited group by user_key, period_grain, period, genre
    union all
    select user_key, period_grain, period, 'parent', genre_family,
           sum(primary_play), sum(weighted_play)
    from credited group by user_key, period_grain, period, genre_family
)

select
    l.user_key,
    u.user_name,
    l.period_grain,
    l.period,
    l.genre_level,
    l.genre,
    cast(l.plays as {{ dbt.type_int() }}) as plays,
    cast(round(l.weighted_plays, 4) as {{ type_double() }}) as weighted_plays,
    round(l.plays / sum(l.plays) over (partition by l.user_key, l.period_grain, l.period, l.genre_level), 6)
        as share,
    round(cast(l.weighted_plays as {{ type_double() }}) / cast(sum(l.weighted_plays) over (
        partition by l.user_key, l.period_grain, l.period, l.genre_level) as {{ type_double() }}), 6) as weighted_share,
    l.genre != 'unknown' as has_genre,
    cast(sum(l.plays) over (partition by l.user_key, l.period_grain, l.period, l.genre_level)
        as {{ dbt.type_int() }}) as period_plays,
    sum(l.plays) over (partition by l.user_key, l.period_grain, l.period, l.genre_level)
        >= {{ var('trend_min_plays') }} as is_trend_period,
    {{ var('trend_min_plays') }} as trend_min_plays
from by_level as l
inner join {{ ref('dim_user') }} as u on u.user_key = l.user_key
where l.plays > 0 or l.weighted_plays > 0
