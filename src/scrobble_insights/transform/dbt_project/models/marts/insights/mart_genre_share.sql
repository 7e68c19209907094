-- Share of listening per genre and per parent genre, by year, season, calendar month and month of
-- the year. `plays` credits each play to the artist's primary genre; `weighted_plays` splits each
-- play across the artist's genres by their weight (both sum to the period's plays). A period speaks
-- for a trend only with at least `trend_min_plays` plays (dbt var, 100: a share's standard error is
-- then at most 5 points): is_trend_period. has_genre is false for 'unknown' (artists without a genre).
with monthly as (
    -- plays per user, local month and genre first (from the per artist aggregate, a few thousand rows
    -- per user instead of one per scrobble): the periods below sum these, 4 periods per month
    select
        m.user_key, m.year, m.month, g.genre, g.genre_family,
        sum(case when b.is_primary then m.plays else 0 end) as primary_plays,
        sum(m.plays * cast(b.share as {{ type_exact() }})) as weighted_plays     -- summed exactly (macros/types.sql)
    from {{ ref('fact_artist_plays_monthly') }} as m
    inner join {{ ref('bridge_artist_genre') }} as b on b.artist_key = m.artist_key
    inner join {{ ref('dim_genre') }} as g on g.genre_key = b.genre_key
    group by m.user_key, m.year, m.month, g.genre, g.genre_family
),

plays as (
    select
        m.user_key,
        m.genre,
        m.genre_family,
        m.primary_plays,
        m.weighted_plays,
        cast(m.year as {{ dbt.type_string() }}) as year_label,
        {{ season('m.month', 'u.hemisphere') }} as season_label,
        cast(m.year as {{ dbt.type_string() }}) || '-' || right('0' || cast(m.month as {{ dbt.type_string() }}), 2)
            as month_label,
        right('0' || cast(m.month as {{ dbt.type_string() }}), 2) as month_of_year_label
    from monthly as m
    inner join {{ ref('dim_user') }} as u on u.user_key = m.user_key
),

credited as (
    select user_key, genre, genre_family, primary_plays as primary_play, weighted_plays as weighted_play,
           'year' as period_grain, year_label as period
    from plays
    union all
    select user_key, genre, genre_family, primary_plays, weighted_plays, 'season', season_label from plays
    union all
    select user_key, genre, genre_family, primary_plays, weighted_plays, 'month', month_label from plays
    union all
    select user_key, genre, genre_family, primary_plays, weighted_plays, 'month_of_year', month_of_year_label
    from plays
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
