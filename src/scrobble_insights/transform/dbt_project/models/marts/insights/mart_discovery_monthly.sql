-- New artists per user and local month, and the share of plays that month on artists first
-- played in the same calendar year ("discovered that year").
with plays as (
    select
        f.user_key,
        d.year,
        d.month,
        coalesce(fp.is_artist_discovery, false) as is_artist_discovery,
        fd.year as artist_discovery_year
    from {{ ref('fact_scrobbles') }} as f
    inner join {{ ref('dim_date') }} as d on d.date_key = f.date_key
    left join {{ ref('first_plays') }} as fp on fp.scrobble_id = f.scrobble_id
    inner join (
        select user_key, artist_key, min(date_key) as first_date_key
        from {{ ref('first_plays') }} where is_artist_discovery group by user_key, artist_key
    ) as first_play on first_play.user_key = f.user_key and first_play.artist_key = f.artist_key
    inner join {{ ref('dim_date') }} as fd on fd.date_key = first_play.first_date_key
)

select
    p.user_key,
    u.user_name,
    p.year,
    p.month,
    cast(p.year as {{ dbt.type_string() }}) || '-' || right('0' || cast(p.month as {{ dbt.type_string() }}), 2)
        as month_label,
    count(*) as plays,
    sum(case when p.is_artist_discovery then 1 else 0 end) as new_artists,
    sum(case when p.artist_discovery_year = p.year then 1 else 0 end) as plays_on_artists_discovered_this_year,
    sum(case when p.artist_discovery_year = p.year then 1 else 0 end) * 1.0 / count(*)
        as share_on_artists_discovered_this_year
from plays as p
inner join {{ ref('dim_user') }} as u on u.user_key = p.user_key
group by p.user_key, u.user_name, p.year, p.month
