-- Every calendar day from the first scrobble (local or UTC, whichever is earlier) to `today` (or the
-- last scrobble if later, e.g. a clock set wrong),
-- days without plays included, with calendar attributes, the season for each hemisphere and the
-- season's year (the year the season ends in: December 2009 is in winter 2010).
-- `today` is an environment variable, not a var: when it changes (every day) dbt re-parses this file
-- only, where changed --vars would make it parse the whole project again. The package sets it; dbt run
-- by hand falls back to the project's var `today`.
{%- set today = env_var('SCROBBLE_INSIGHTS_TODAY', var('today')) %}
with bounds as (
    select
        least(
            coalesce(min(local_date), cast('{{ today }}' as date)),
            coalesce(min(utc_date), cast('{{ today }}' as date))
        ) as first_day,
        greatest(
            coalesce(max(local_date), cast('{{ today }}' as date)),
            coalesce(max(utc_date), cast('{{ today }}' as date)),
            cast('{{ today }}' as date)
        ) as last_day
    -- the fact's stored days (two columns of a table), not the scrobbles localized again from raw
    from {{ ref('fact_scrobbles') }}
),

days as (
    {{ date_spine("(select " ~ dbt.dateadd('day', -1, 'first_day') ~ " from bounds)",
                  "(select " ~ dbt.dateadd('day', 1, 'last_day') ~ " from bounds)") }}
)

select
    cast({{ dbt.date_trunc('day', 'date_day') }} as date) as date_day,
    extract(year from date_day) * 10000 + extract(month from date_day) * 100 + extract(day from date_day) as date_key,
    extract(year from date_day) as year,
    extract(quarter from date_day) as quarter,
    extract(month from date_day) as month,
    extract(day from date_day) as day_of_month,
    {{ iso_week('date_day') }} as iso_week,
    {{ iso_year('date_day') }} as iso_year,
    {{ iso_weekday('date_day') }} as weekday,
    case {{ iso_weekday('date_day') }}
        when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday' when 4 then 'Thursday'
        when 5 then 'Friday' when 6 then 'Saturday' else 'Sunday' end as weekday_name,
    {{ iso_weekday('date_day') }} >= 6 as is_weekend,
    {{ season('extract(month from date_day)', "'north'") }} as season_north,
    {{ season('extract(month from date_day)', "'south'") }} as season_south,
    -- the year the season ends in (December belongs to the next year's winter / summer)
    {{ season_year('extract(month from date_day)', 'extract(year from date_day)') }} as season_year
from days
