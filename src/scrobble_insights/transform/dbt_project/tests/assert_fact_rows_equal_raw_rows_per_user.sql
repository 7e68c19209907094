-- The fact holds exactly the raw scrobbles of each user: none lost, none doubled.
with raw_counts as (
    select user_name, count(*) as n from {{ source('lastfm', 'scrobbles') }} group by user_name
),
fact_counts as (
    select user_name, count(*) as n from {{ ref('fact_scrobbles') }} group by user_name
)
select coalesce(r.user_name, f.user_name) as user_name, r.n as raw_rows, f.n as fact_rows
from raw_counts as r
full outer join fact_counts as f on f.user_name = r.user_name
where coalesce(r.n, -1) != coalesce(f.n, -1)
