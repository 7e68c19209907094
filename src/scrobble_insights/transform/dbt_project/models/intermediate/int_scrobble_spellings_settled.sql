-- Plays per spelling as scrobbled (as int_scrobble_spellings) of every scrobble before settled_before
-- (macro spellings_settled_before: the first day of the month two months before the last extracted day):
-- the settled part of the history, which int_scrobble_spellings adds to the recent months it aggregates at
-- every build. It was the whole history, read at every build: 1.4 s of a daily build at 10 M scrobbles.
-- The table the last build left is kept as it is while it still describes those scrobbles: the same day
-- bounds it, no day before it was loaded since (re-extracted, or newly backfilled), and it counts as many
-- plays as there are scrobbles before it (none deleted, e.g. with a user's data). Otherwise, on a
-- --full-refresh build and on the first build, it is recomputed from the scrobbles before the day.
-- A table model: while it is built, the relation still holds the last build's rows (as
-- int_user_days_changed reads the fact as the last build left it).
{%- set kept = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) %}
{%- set keep = false %}
{#- asked only when a build runs: compile and docs show the recompute, and read nothing -#}
{%- if kept is not none and not flags.FULL_REFRESH and execute and flags.WHICH in ('build', 'run', 'retry') %}
{%- set still_right %}
with
settled as (
    -- every row carries the same day and loaded_at: one statement wrote them
    select min(settled_before) as settled_before, min(loaded_until) as loaded_until, sum(plays) as plays
    from {{ kept }}
),

now_before as (
    select
        {{ loaded_until('(select settled_before from settled)') }} as loaded_until,
        (select count(*) from {{ ref('stg_lastfm__scrobbles') }}
         where utc_date < (select settled_before from settled)) as plays
)

select count(*)
from settled, now_before
where settled.settled_before = {{ spellings_settled_before() }}
  and settled.loaded_until = now_before.loaded_until
  and settled.plays = now_before.plays
{%- endset %}
{%- set keep = run_query(still_right).columns[0].values()[0] == 1 %}
{%- endif %}

{%- if keep %}
select * from {{ kept }}
{%- else %}
select
    s.*,
    b.settled_before,
    {{ loaded_until('b.settled_before') }} as loaded_until
from ({{ spelling_plays('utc_date < ' ~ spellings_settled_before()) }}) as s
cross join (select {{ spellings_settled_before() }} as settled_before) as b
{%- endif %}
