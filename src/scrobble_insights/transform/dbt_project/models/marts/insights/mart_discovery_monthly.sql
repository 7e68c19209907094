-- New artists per user and local month, for EVERY month of the history (from the first play to the
-- last extracted day, as mart_daily_plays: quiet months are rows with 0), and the plays that month of
-- artists first played in the same calendar year ("new that year"). So the honest averages are sums:
-- new artists a month = sum(new_artists) / count(months); share of plays on artists new that year =
-- sum(plays_on_artists_discovered_this_year) / sum(plays). The first year of a history is flagged:
-- every artist played in it is new by definition (and it is partial unless the history starts on 1 Jan).
with months as (
    select user_key, user_name, year, month, count(*) as days, sum(plays) as plays, sum(new_artists) as new_artists
    from {{ ref('mart_daily_plays') }}
    group by user_key, user_name, year, month
),

bounds as (
    select user_key, min(local_date) as first_day, max(local_date) as last_day
    from {{ ref('mart_daily_plays') }}
    group by user_key
),

discovered as (
    -- the local year of each user's first play ever of each artist
    select user_key, artist_key, extract(year from min(local_date)) as discovery_year
    from {{ ref('first_plays') }}
    where is_artist_discovery
    group by user_key, artist_key
),

on_new as (
    -- summed from the plays per user, local month and artist (a few hundred times smaller than the fact)
    select m.user_key, m.year, m.month, cast(sum(m.plays) as {{ dbt.type_bigint() }}) as plays
    from {{ ref('fact_artist_plays_monthly') }} as m
    inner join discovered as disc on disc.user_key = m.user_key and disc.artist_key = m.artist_key
    where disc.discovery_year = m.year
    group by m.user_key, m.year, m.month
)

select
    m.user_key,
    m.user_name,
    m.year,
    m.month,
    cast(m.year as {{ dbt.type_string() }}) || '-' || right('0' || cast(m.month as {{ dbt.type_string() }}), 2)
        as month_label,
    m.days,
    cast(m.plays as {{ dbt.type_bigint() }}) as plays,
    cast(m.new_artists as {{ dbt.type_bigint() }}) as new_artists,
    cast(coalesce(n.plays, 0) as {{ dbt.type_bigint() }}) as plays_on_artists_discovered_this_year,
    case when m.plays > 0 then coalesce(n.plays, 0) * 1.0 / m.plays end as share_on_artists_discovered_this_year,
    m.year = extract(year from b.first_day) as is_first_year,
    (m.year = extract(year from b.first_day)
        and (extract(month from b.first_day) > 1 or extract(day from b.first_day) > 1))
    or (m.year = extract(year from b.last_day)
        and (extract(month from b.last_day) < 12 or extract(day from b.last_day) < 31)) as is_partial_year
from months as m
inner join bounds as b on b.user_key = m.user_key
left join on_new as n on n.user_key = m.user_key and n.year = m.year and n.month = m.month
