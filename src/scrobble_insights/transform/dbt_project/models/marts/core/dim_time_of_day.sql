-- Each minute of the day (1,440 rows) with its hour and part of the day; key = hour * 100 + minute.
with minutes as (
    {{ number_spine(1440) }}
),

parts as (
    select
        n as minute_of_day,
        cast(floor(n / 60) as {{ dbt.type_int() }}) as hour,
        mod(n, 60) as minute
    from minutes
)

select
    hour * 100 + minute as time_key,
    minute_of_day,
    hour,
    minute,
    {{ day_part('hour') }} as day_part
from parts
