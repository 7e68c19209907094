{#- JSON text columns read the same way on every warehouse (raw.mb_artists.body is the MusicBrainz answer
as text, and both DuckDB and BigQuery parse JSON text).

json_text(column, path): the scalar at a JSONPath as a string, null when absent or JSON null. Keys with a
dash are quoted: '$."life-span".begin' (both engines read that path).
json_array_rows(column, path, alias): a FROM item with one row per element of the array at path, each
element as JSON text named alias (read it with json_text(alias, '$.name')); no rows when the array is
absent. DuckDB names the column of an unnested list through a table alias, BigQuery the element itself.
safe_integer(expression): the text as an integer, null when it is not one (DuckDB try_cast, BigQuery
safe_cast). -#}
{% macro json_text(column, path) -%}{{ return(adapter.dispatch('json_text')(column, path)) }}{%- endmacro %}
{% macro default__json_text(column, path) -%}json_extract_string({{ column }}, '{{ path }}'){%- endmacro %}
{% macro bigquery__json_text(column, path) -%}json_value({{ column }}, '{{ path }}'){%- endmacro %}

{% macro json_array_rows(column, path, alias) -%}{{ return(adapter.dispatch('json_array_rows')(column, path, alias)) }}{%- endmacro %}
{% macro default__json_array_rows(column, path, alias) -%}
unnest(json_extract({{ column }}, '{{ path }}[*]')) as {{ alias }}_rows({{ alias }})
{%- endmacro %}
{% macro bigquery__json_array_rows(column, path, alias) -%}
unnest(json_query_array({{ column }}, '{{ path }}')) as {{ alias }}
{%- endmacro %}

{% macro safe_integer(expression) -%}{{ return(adapter.dispatch('safe_integer')(expression)) }}{%- endmacro %}
{% macro default__safe_integer(expression) -%}try_cast({{ expression }} as {{ dbt.type_int() }}){%- endmacro %}
{% macro bigquery__safe_integer(expression) -%}safe_cast({{ expression }} as int64){%- endmacro %}
