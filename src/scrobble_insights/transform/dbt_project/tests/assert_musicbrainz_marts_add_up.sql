-- The MusicBrainz marts (issue 14) add up, per user: each holds every play of the fact exactly once, and
-- the shares of the known (dated) rows sum to 1 per user (and listening year).
with fact as (
    select user_name, count(*) as plays from {{ ref('fact_scrobbles') }} group by user_name
),

marts as (
    select 'mart_music_age' as mart, user_name, sum(plays) as plays from {{ ref('mart_music_age') }} group by user_name
    union all
    select 'mart_music_age_yearly', user_name, sum(plays) from {{ ref('mart_music_age_yearly') }} group by user_name
    union all
    select 'mart_artist_countries', user_name, sum(plays) from {{ ref('mart_artist_countries') }} group by user_name
    union all
    select 'mart_artist_types', user_name, sum(plays) from {{ ref('mart_artist_types') }} group by user_name
    union all
    select 'mart_genre_sources', user_name, sum(plays) from {{ ref('mart_genre_sources') }} group by user_name
),

expected as (
    select m.mart, f.user_name, f.plays
    from fact as f
    cross join (select distinct mart from marts) as m
),

shares as (
    select 'mart_music_age' as mart, user_name, listen_year, sum(share_of_dated) as total
    from {{ ref('mart_music_age') }} where release_decade is not null group by user_name, listen_year
    union all
    select 'mart_artist_countries', user_name, 0, sum(share_of_known)
    from {{ ref('mart_artist_countries') }} where country_code is not null group by user_name
    union all
    select 'mart_artist_types', user_name, 0, sum(share_of_known)
    from {{ ref('mart_artist_types') }} where artist_type is not null group by user_name
)

select e.mart, e.user_name, e.plays as fact_plays, m.plays as mart_plays, cast(null as {{ type_double() }}) as share_total
from expected as e
left join marts as m on m.mart = e.mart and m.user_name = e.user_name
where m.plays is null or m.plays != e.plays
union all
select mart, user_name, null, null, total
from shares
where abs(total - 1) > 1e-9
