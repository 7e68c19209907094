-- The genre shares the dashboard and the report show add up to 100 % for every user, period and
-- level (shares are rounded to 6 decimals, so a few hundred genres stay well inside the tolerance).
select user_key, period_grain, period, genre_level, sum(share) as shares, sum(weighted_share) as weighted_shares
from {{ ref('mart_genre_share') }}
group by user_key, period_grain, period, genre_level
having abs(sum(share) - 1) > 0.0001 or abs(sum(weighted_share) - 1) > 0.0001
