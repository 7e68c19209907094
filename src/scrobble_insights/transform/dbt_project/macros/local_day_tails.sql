{#- The local days an incremental mart keyed by (user_name, local_date) recomputes: each user's tail from
    the day before their first changed UTC day (int_user_days_changed; a play's local day is at most one
    day before its UTC day), and the days whose artists' genres changed (int_track_plays_regenred_days).
    Shared by mart_track_plays and the two rollups of it, so all three replace the same days. -#}

{% macro local_days_replaced() -%}
{#- replace_where's predicate: the tail days (which may now be empty) and every day in the new rows;
    first the earliest of all these days, one bound for every user (see local_days_from) -#}
{{ local_days_from() }}
and (exists (select 1 from (select user_name, min(utc_date) as from_date from __changed_user_days__ group by user_name) as c
        where c.user_name = DBT_INTERNAL_DEST.user_name
          and DBT_INTERNAL_DEST.local_date >= cast({{ dbt.dateadd('day', -1, 'c.from_date') }} as date))
or exists (select 1 from __new_rows__ as n
           where n.user_name = DBT_INTERNAL_DEST.user_name and n.local_date = DBT_INTERNAL_DEST.local_date))
{%- endmacro %}

{% macro local_days_from() -%}
{#- The first local day any user's replaced days can hold: implied by local_days_replaced's per-user
    conditions, a comparison with one value that DuckDB applies while it scans the target (and uses to
    skip blocks), before the correlated exists, whose plan otherwise lists the distinct (user, day)
    pairs of the whole table. Null (nothing replaced) when nothing changed. -#}
DBT_INTERNAL_DEST.local_date >= (
    select min(from_day) from (
        select cast({{ dbt.dateadd('day', -1, 'min(utc_date)') }} as date) as from_day from __changed_user_days__
        union all
        select min(local_date) from __new_rows__
    ) as bounds)
{%- endmacro %}

{% macro local_day_tails(changed_user_days) -%}
{#- a CTE body: (user_name, from_day), the first local day of each user's tail -#}
select user_name, cast({{ dbt.dateadd('day', -1, 'min(utc_date)') }} as date) as from_day
from {{ changed_user_days }}
group by user_name
{%- endmacro %}

{% macro local_years_replaced() -%}
{#- replace_where's predicate for a model keyed by (user_name, year) of local years, incremental per user
    tail of years (int_yearly_plays_ranked, mart_artist_concentration_yearly): each user's years from
    the year of their tail's first local day on -#}
exists (select 1 from ({{ local_day_tails('__changed_user_days__') }}) as c
        where c.user_name = DBT_INTERNAL_DEST.user_name
          and DBT_INTERNAL_DEST.year >= extract(year from c.from_day))
{%- endmacro %}

{% macro rows_of_replaced_days(relation, changed_user_days, regenred_days) -%}
{#- a CTE body: the rows of `relation` on the local days this build replaces -#}
select m.*
from {{ relation }} as m
left join ({{ local_day_tails(changed_user_days) }}) as tail on tail.user_name = m.user_name
left join {{ regenred_days }} as regenred
    on regenred.user_name = m.user_name and regenred.local_date = m.local_date
where (m.local_date >= tail.from_day or regenred.user_name is not null)
  -- implied by the condition above: the earliest of these days, one bound applied while scanning
  and m.local_date >= (select min(from_day) from (
        select min(from_day) as from_day from ({{ local_day_tails(changed_user_days) }}) as t
        union all
        select min(local_date) from {{ regenred_days }}
      ) as bounds)
{%- endmacro %}

{% macro track_plays_of_replaced_days() -%}
{#- a CTE body for the rollups of mart_track_plays (hourly, daily genre): its rows of the days it
    replaced in this build (the same rule), or all of them on a full build -#}
{%- if is_incremental() %}
{{ rows_of_replaced_days(ref('mart_track_plays'), ref('int_user_days_changed'), ref('int_track_plays_regenred_days')) }}
{%- else %}
select * from {{ ref('mart_track_plays') }}
{%- endif %}
{%- endmacro %}

{% macro play_tails_replaced() -%}
{#- replace_where's predicates for a model keyed by play time (scrobble_sessions, first_plays), incremental
    per user tail: each user's plays from the start of their first changed UTC day on. First the bound it
    implies for every user, applied while the target is scanned, before the correlated exists (see
    macros/changed_partitions.sql). -#}
{%- set bound = 'DBT_INTERNAL_DEST.played_at_uts >= (select ' ~ date_start_uts('min(utc_date)') ~ ' from __changed_user_days__)' -%}
{%- set per_user -%}
exists (select 1 from (select user_name, min(utc_date) as from_date from __changed_user_days__ group by user_name) as c
        where c.user_name = DBT_INTERNAL_DEST.user_name and DBT_INTERNAL_DEST.played_at_uts >= {{ date_start_uts('c.from_date') }})
{%- endset -%}
{{ return([bound, per_user]) }}
{%- endmacro %}
