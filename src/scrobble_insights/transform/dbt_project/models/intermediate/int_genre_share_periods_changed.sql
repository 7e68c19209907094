-- The (user, period_grain, period) partitions of mart_genre_share this build recomputes: the year, the
-- season, the month and the month of the year of every month int_genre_share_months_changed lists (each
-- user's tail of months, and the months holding an artist whose genres changed since the last build).
-- Usually those of the last days, per user. Every period when the mart is built whole, as
-- int_user_days_changed lists every day then: the mart's data tests read this list.
with
labelled as (
    select u.user_key, u.user_name, {{ genre_share_period_labels('m.year', 'm.month', 'u.hemisphere') }}
    from {{ ref('int_genre_share_months_changed') }} as m
    inner join {{ ref('dim_user') }} as u on u.user_key = m.user_key
)

select distinct user_key, user_name, period_grain, period
from (
    select user_key, user_name, 'year' as period_grain, year_label as period from labelled
    union all
    select user_key, user_name, 'season', season_label from labelled
    union all
    select user_key, user_name, 'month', month_label from labelled
    union all
    select user_key, user_name, 'month_of_year', month_of_year_label from labelled
) as periods
