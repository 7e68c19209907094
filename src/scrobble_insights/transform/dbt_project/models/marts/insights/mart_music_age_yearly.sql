-- How old is the music you play, per year: per user and local listening year, the plays, those with a
-- release year (dated), the median release year and median age of the dated plays, and the share of
-- new music. Age = listening year - release year (a 2020 play of a 1995 album is 25). Within one year
-- the median age is the year minus the median release year. The median of n dated plays is the mean of
-- the plays at positions floor((n+1)/2) and floor(n/2)+1 in release-year order (the middle one when n
-- is odd), found from cumulative counts, so it is the same on every warehouse. new_music_share: dated
-- plays aged 0 or 1 year (music from this year or the last) / dated plays. Plays without a release year
-- count in plays only: not in the medians, and they lower dated_share.
with counts as (
    select user_name, listen_year, release_year, plays
    from {{ ref('int_release_year_plays_counted') }}
),

yearly as (
    select
        user_name,
        listen_year,
        sum(plays) as plays,
        sum(case when release_year is not null then plays else 0 end) as dated_plays,
        sum(case when listen_year - release_year in (0, 1) then plays else 0 end) as new_plays
    from counts
    group by user_name, listen_year
),

cumulative as (
    select
        user_name,
        listen_year,
        release_year,
        sum(plays) over (partition by user_name, listen_year order by release_year
                         rows between unbounded preceding and current row) as plays_to_here,
        sum(plays) over (partition by user_name, listen_year) as dated
    from counts
    where release_year is not null
),

medians as (
    select
        user_name,
        listen_year,
        (min(case when plays_to_here >= (dated + 1 - mod(dated + 1, 2)) / 2 then release_year end)
         + min(case when plays_to_here >= (dated - mod(dated, 2)) / 2 + 1 then release_year end)) / 2.0
            as median_release_year
    from cumulative
    group by user_name, listen_year
)

select
    y.user_name,
    y.listen_year,
    cast(y.plays as {{ dbt.type_bigint() }}) as plays,
    cast(y.dated_plays as {{ dbt.type_bigint() }}) as dated_plays,
    y.dated_plays * 1.0 / y.plays as dated_share,
    cast(m.median_release_year as {{ type_double() }}) as median_release_year,
    cast(y.listen_year - m.median_release_year as {{ type_double() }}) as median_age_years,
    case when y.dated_plays > 0 then y.new_plays * 1.0 / y.dated_plays end as new_music_share
from yearly as y
left join medians as m on m.user_name = y.user_name and m.listen_year = y.listen_year
