-- How old is the music you play, by decade: plays per user, local listening year and release decade of
-- the music (the album's first release year, rounded down to the decade: 1995 -> 1990). Plays without a
-- release year form the row whose release_decade is null; share_of_dated is the decade's share of the
-- year's plays that have a release year (null on that row), so the dated decades of a year sum to 1.
with decades as (
    select
        user_name,
        listen_year,
        release_year - mod(release_year, 10) as release_decade,
        sum(plays) as plays
    from {{ ref('int_release_year_plays_counted') }}
    group by user_name, listen_year, release_year - mod(release_year, 10)
)

select
    user_name,
    listen_year,
    release_decade,
    cast(plays as {{ dbt.type_bigint() }}) as plays,
    case when release_decade is not null
         then plays * 1.0 / sum(case when release_decade is not null then plays end)
                                over (partition by user_name, listen_year)
    end as share_of_dated
from decades
