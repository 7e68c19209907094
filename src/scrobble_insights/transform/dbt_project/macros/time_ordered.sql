{#- `order by <column>` at the end of a full build on DuckDB; nothing otherwise. DuckDB skips a block of
    rows (a row group, about 120,000 rows) when its min and max of a column miss a query's bound. A
    table built in no particular order has the whole history in every block, so the daily build's
    reads of the changed tail (`utc_date >= ...`) scanned all of it: 0.3-0.5 s per read at 10 M
    scrobbles. Written in time order, such a read touches the last blocks only, and an incremental
    build appends its rows, all recent, after them (docs/decisions/0019). BigQuery prunes by its
    partitions and clusters instead, and would sort a large ORDER BY on one worker. -#}
{% macro time_ordered(column) -%}
    {%- if target.type == 'duckdb' and not is_incremental() %}
order by {{ column }}
    {%- endif %}
{%- endmacro %}
