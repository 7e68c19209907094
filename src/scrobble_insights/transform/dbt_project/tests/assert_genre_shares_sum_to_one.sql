-- The genre shares the dashboard and the report show add up to 100 % for every user, period and
-- level (shares are rounded to 6 decimals, so a few hundred genres stay well inside the tolerance).
-- Checked on the (user, period) partitions this build replaced (int_genre_share_periods_changed, every
-- partition on a full build): a share's denominator is its own partition, and the others are unchanged.
select s.user_key, s.period_grain, s.period, s.genre_level, sum(s.share) as shares, sum(s.weighted_share) as weighted_shares
from {{ ref('mart_genre_share') }} as s
inner join {{ ref('int_genre_share_periods_changed') }} as p
    on p.user_key = s.user_key and p.period_grain = s.period_grain and p.period = s.period
group by s.user_key, s.period_grain, s.period, s.genre_level
having abs(sum(s.share) - 1) > 0.0001 or abs(sum(s.weighted_share) - 1) > 0.0001
