{#- Time helpers, dispatched per adapter: DuckDB (default) and BigQuery. -#}

{#- Unix seconds -> timestamp with time zone (UTC). -#}
{% macro from_unix_seconds(seconds) -%}{{ return(adapter.dispatch('from_unix_seconds')(seconds)) }}{%- endmacro %}
{% macro default__from_unix_seconds(seconds) -%}to_timestamp({{ seconds }}){%- endmacro %}
{% macro bigquery__from_unix_seconds(seconds) -%}timestamp_seconds({{ seconds }}){%- endmacro %}

{#- UTC timestamp -> wall-clock timestamp in an IANA zone (DST-aware; the zone may be a column). -#}
{% macro to_local_timestamp(ts, tz) -%}{{ return(adapter.dispatch('to_local_timestamp')(ts, tz)) }}{%- endmacro %}
{% macro default__to_local_timestamp(ts, tz) -%}timezone({{ tz }}, {{ ts }}){%- endmacro %}
{#- extract(datetime ...), the same as datetime(ts, tz): the BigQuery emulator of the tests reads datetime()
    with a zone that is not a literal as datetime(date, time) (docs/cloud-emulators.md). -#}
{% macro bigquery__to_local_timestamp(ts, tz) -%}extract(datetime from {{ ts }} at time zone {{ tz }}){%- endmacro %}

{#- ISO weekday: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_weekday(d) -%}{{ return(adapter.dispatch('iso_weekday')(d)) }}{%- endmacro %}
{% macro default__iso_weekday(d) -%}isodow({{ d }}){%- endmacro %}
{% macro bigquery__iso_weekday(d) -%}mod(extract(dayofweek from {{ d }}) + 5, 7) + 1{%- endmacro %}

{#- ISO week number and ISO year. -#}
{% macro iso_week(d) -%}{{ return(adapter.dispatch('iso_week')(d)) }}{%- endmacro %}
{% macro default__iso_week(d) -%}weekofyear({{ d }}){%- endmacro %}
{% macro bigquery__iso_week(d) -%}extract(isoweek from {{ d }}){%- endmacro %}
{% macro iso_year(d) -%}{{ return(adapter.dispatch('iso_year')(d)) }}{%- endmacro %}
{% macro default__iso_year(d) -%}isoyear({{ d }}){%- endmacro %}
{% macro bigquery__iso_year(d) -%}extract(isoyear from {{ d }}){%- endmacro %}

{#- Minutes between two timestamps, as a number with fractions. -#}
{% macro minutes_between(start_ts, end_ts) -%}{{ return(adapter.dispatch('minutes_between')(start_ts, end_ts)) }}{%- endmacro %}
{% macro default__minutes_between(start_ts, end_ts) -%}(epoch({{ end_ts }}) - epoch({{ start_ts }})) / 60.0{%- endmacro %}
{% macro bigquery__minutes_between(start_ts, end_ts) -%}timestamp_diff({{ end_ts }}, {{ start_ts }}, second) / 60.0{%- endmacro %}

{#- One row per calendar day from start_date to end_date (inclusive), column `date_day`. -#}
{% macro date_spine(start_date, end_date) -%}{{ return(adapter.dispatch('date_spine')(start_date, end_date)) }}{%- endmacro %}
{% macro default__date_spine(start_date, end_date) -%}
    select cast(unnest(generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)) as date) as date_day
{%- endmacro %}
{% macro bigquery__date_spine(start_date, end_date) -%}
    select date_day from unnest(generate_date_array(cast({{ start_date }} as date), cast({{ end_date }} as date))) as date_day
{%- endmacro %}

{#- Meteorological season of a month for a hemisphere ('north' or 'south'). -#}
{% macro season(month, hemisphere) -%}
    case
        when {{ month }} in (12, 1, 2) then case when {{ hemisphere }} = 'south' then 'summer' else 'winter' end
        when {{ month }} in (3, 4, 5) then case when {{ hemisphere }} = 'south' then 'autumn' else 'spring' end
        when {{ month }} in (6, 7, 8) then case when {{ hemisphere }} = 'south' then 'winter' else 'summer' end
        else case when {{ hemisphere }} = 'south' then 'spring' else 'autumn' end
    end
{%- endmacro %}

{#- The year a meteorological season belongs to: the year it ends in. December opens the next year's
    winter (north) or summer (south): Dec 2009 + Jan-Feb 2010 are winter 2010 in the north and summer
    2010 in the south; every other month keeps its calendar year. The same in both hemispheres. -#}
{% macro season_year(month, year) -%}
    case when {{ month }} = 12 then {{ year }} + 1 else {{ year }} end
{%- endmacro %}

{#- Part of the day of an hour 0-23. -#}
{% macro day_part(hour) -%}
    case when {{ hour }} < 6 then 'night' when {{ hour }} < 12 then 'morning'
         when {{ hour }} < 18 then 'afternoon' else 'evening' end
{%- endmacro %}

{#- Integers 0 .. count-1, column `n`. -#}
{% macro number_spine(count) -%}{{ return(adapter.dispatch('number_spine')(count)) }}{%- endmacro %}
{% macro default__number_spine(count) -%}select cast(unnest(range(0, {{ count }})) as integer) as n{%- endmacro %}
{% macro bigquery__number_spine(count) -%}select n from unnest(generate_array(0, {{ count }} - 1)) as n{%- endmacro %}

{#- A date's midnight UTC as Unix seconds. -#}
{% macro date_to_unix_seconds(d) -%}{{ return(adapter.dispatch('date_to_unix_seconds')(d)) }}{%- endmacro %}
{% macro default__date_to_unix_seconds(d) -%}cast(epoch(cast({{ d }} as timestamp)) as bigint){%- endmacro %}
{% macro bigquery__date_to_unix_seconds(d) -%}unix_seconds(timestamp({{ d }})){%- endmacro %}
