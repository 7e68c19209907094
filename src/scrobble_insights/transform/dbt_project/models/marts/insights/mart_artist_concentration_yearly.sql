{#- Incremental per user tail of local years (strategy replace_where), as int_yearly_plays_ranked: from
    the year of the local day before a user's first changed UTC day on. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_where',
    incremental_predicates=[local_years_replaced()],
    on_schema_change='fail',
) }}
-- depends_on: {{ ref('int_user_days_changed') }}

-- How concentrated (or diverse) a user's listening is, per local year, over the plays of each artist
-- that year (p_i plays of artist i, P = sum of p_i, n artists played). Grain one user and year.
--   top10_share        = (plays of the 10 most played artists) / P                          0 .. 1
--   entropy_bits       = Shannon entropy -sum((p_i/P) * log2(p_i/P))                       0 .. log2(n)
--   evenness           = entropy_bits / log2(n) (Pielou; 0 when n = 1)                     0 .. 1
--   effective_artists  = 2 ^ entropy_bits: as diverse as this many equally played artists  1 .. n
--   gini               = Gini coefficient of the artists' plays, x sorted ascending, i = 1..n:
--                        2 * sum(i * x_i) / (n * P) - (n + 1) / n                          0 .. 1 - 1/n
-- High top10_share and gini, low entropy: a few artists take most plays. Only artists played that
-- year count (an artist not played is not a zero in the Gini).
-- Incremental per user: a year's figures come from that year's plays alone, and a changed UTC day
-- changes plays on local days from the day before it, so each user's years from the year of that day
-- on are recomputed; earlier years keep their rows. A full build computes every year: both give the
-- same rows.
with
{%- if is_incremental() %}
tails as (
    select user_name, extract(year from from_day) as from_year
    from ({{ local_day_tails(ref('int_user_days_changed')) }}) as t
),
{%- endif %}

artist_plays as (
    select m.user_key, m.user_name, m.year, m.artist_key, cast(sum(m.plays) as {{ dbt.type_bigint() }}) as plays
    from {{ ref('fact_artist_plays_monthly') }} as m       -- plays per user, local month and artist: a tenth of the track plays' rows
    {%- if is_incremental() %}
    inner join tails as t on t.user_name = m.user_name and m.year >= t.from_year
    {%- endif %}
    group by m.user_key, m.user_name, m.year, m.artist_key
),

ranked as (
    select
        a.*,
        sum(a.plays) over (partition by a.user_key, a.year) as year_plays,
        count(*) over (partition by a.user_key, a.year) as year_artists,
        row_number() over (partition by a.user_key, a.year order by a.plays desc, a.artist_key) as rank_desc,
        row_number() over (partition by a.user_key, a.year order by a.plays, a.artist_key) as rank_asc
    from artist_plays as a
),

yearly as (
    select
        user_key,
        user_name,
        year,
        max(year_plays) as plays,
        max(year_artists) as artists,
        max(plays) as top_artist_plays,
        sum(case when rank_desc <= 10 then plays else 0 end) as top10_plays,
        sum((1.0 * plays / year_plays) * ln(1.0 * year_plays / plays)) / ln(2.0) as entropy_bits,
        2.0 * sum(rank_asc * plays) / (max(year_artists) * max(year_plays))
            - (max(year_artists) + 1.0) / max(year_artists) as gini
    from ranked
    group by user_key, user_name, year
)

select
    user_key,
    user_name,
    year,
    cast(plays as {{ dbt.type_bigint() }}) as plays,
    cast(artists as {{ dbt.type_bigint() }}) as artists,
    cast(top_artist_plays as {{ dbt.type_bigint() }}) as top_artist_plays,
    cast(top10_plays as {{ dbt.type_bigint() }}) as top10_plays,
    1.0 * top10_plays / plays as top10_share,
    entropy_bits,
    case when artists > 1 then least(entropy_bits * ln(2.0) / ln(1.0 * artists), 1.0) else 0.0 end
        as evenness,
    power(2.0, entropy_bits) as effective_artists,
    case when gini > 0 then gini else 0.0 end as gini
from yearly
