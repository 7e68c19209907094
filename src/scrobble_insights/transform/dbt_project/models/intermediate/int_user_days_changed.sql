-- The (user_name, utc_date) days this build replaces in fact_scrobbles: the changed-partition record
-- that the incremental marts and the partition-limited data tests read (macros/changed_partitions.sql).
-- Built before the fact (the fact depends on it), from the fact as the previous build left it, with
-- the fact's own rule (changed_user_days): the same days the fact's strategy replaces.
-- A build that rebuilds the fact whole (no fact yet, or --full-refresh) lists every day with plays.
-- depends_on: {{ ref('int_artist_names_resolved') }}
{%- set fact = adapter.get_relation(database=this.database, schema=generate_schema_name('marts', none) | trim,
                                    identifier='fact_scrobbles') %}
{%- if fact is none or flags.FULL_REFRESH %}
select user_name, utc_date
from {{ ref('stg_lastfm__extracted_days') }}
where scrobble_count > 0
{%- else %}
{{ changed_user_days(fact) }}
{%- endif %}
