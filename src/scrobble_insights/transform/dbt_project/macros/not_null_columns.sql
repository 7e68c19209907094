{#- Generic test: none of the columns is null and, with `unique`, no combination of the `unique` columns
    repeats (as unique_combination: a null is a value). One query per model instead of one per column
    and one per key: dbt's cost is per test node (30-60 ms each whatever the data, docs/decisions/0019;
    a full scan each on BigQuery). A failing row says what failed: a null column (<column>_is_null), or
    a key that repeats (`repeats`: how many rows share it; its columns give the key). -#}
{% test not_null_columns(model, columns, unique=none) %}
{%- set keys = unique or [] %}
with tested as (
    select * from {{ model }}
)

select
    {%- for key in keys %}
    {{ key }},
    {%- endfor %}
    {%- for column in columns %}
    {{ column }} is null as {{ column }}_is_null,
    {%- endfor %}
    cast(null as {{ dbt.type_bigint() }}) as repeats
from tested
where
    {%- for column in columns %}
    {{ column }} is null{{ ' or' if not loop.last }}
    {%- endfor %}
{%- if keys %}

union all

select
    {%- for key in keys %}
    {{ key }},
    {%- endfor %}
    {%- for column in columns %}
    false as {{ column }}_is_null,
    {%- endfor %}
    count(*) as repeats
from tested
group by {{ keys | join(', ') }}
having count(*) > 1
{%- endif %}
{% endtest %}
