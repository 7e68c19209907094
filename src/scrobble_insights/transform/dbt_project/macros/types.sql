{#- Number types every warehouse spells its own way.

type_exact: a decimal with 9 digits after the point (BigQuery's NUMERIC). Sums of shares are summed
exactly in it: a floating-point sum depends on the order it is added in, which differs between
warehouses, so a rounded float sum could differ in its last digit (1.4063 on DuckDB, 1.4062 on BigQuery).
type_double: a 64-bit float (dbt.type_float() is DuckDB's 32-bit FLOAT). -#}
{% macro type_exact() -%}{{ return(adapter.dispatch('type_exact')()) }}{%- endmacro %}
{% macro default__type_exact() -%}decimal(38, 9){%- endmacro %}
{% macro bigquery__type_exact() -%}numeric{%- endmacro %}

{% macro type_double() -%}{{ return(adapter.dispatch('type_double')()) }}{%- endmacro %}
{% macro default__type_double() -%}double{%- endmacro %}
{% macro bigquery__type_double() -%}float64{%- endmacro %}
