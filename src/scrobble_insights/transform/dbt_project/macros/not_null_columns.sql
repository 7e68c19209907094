{#- Generic test: none of the columns is null. One query per model instead of one per column: dbt's
    cost is per test node (about 50 ms each on a small warehouse, a full scan each on BigQuery), and
    a column-level not_null on every key made half of a build's nodes. A failing row says which
    column is null (<column>_is_null). -#}
{% test not_null_columns(model, columns) %}
select
    {%- for column in columns %}
    {{ column }} is null as {{ column }}_is_null{{ ',' if not loop.last }}
    {%- endfor %}
from {{ model }}
where
    {%- for column in columns %}
    {{ column }} is null{{ ' or' if not loop.last }}
    {%- endfor %}
{% endtest %}
