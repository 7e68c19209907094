-- The (user_name, local_date) days of mart_track_plays holding rows whose genre columns differ from
-- dim_artist's now (an artist's genre can change on any day, when new tags arrive), or whose artist is
-- no longer in dim_artist: usually none. mart_track_plays recomputes these days besides its tail of
-- changed days, and its rollups (mart_hourly_plays, mart_daily_genre_plays) the same days.
-- Built before mart_track_plays (which depends on it), from the table as the previous build left it:
-- the model finds it with adapter.get_relation, not ref(), as int_user_days_changed finds the fact.
-- A build that rebuilds mart_track_plays whole (no table yet, or --full-refresh) lists no day.
{%- set track_plays = adapter.get_relation(database=this.database, schema=generate_schema_name('marts', none) | trim,
                                           identifier='mart_track_plays') %}
{%- if track_plays is none or flags.FULL_REFRESH %}
select cast(null as {{ dbt.type_string() }}) as user_name, cast(null as date) as local_date
from {{ ref('dim_artist') }}
where 1 = 0
{%- else %}
with old_genres as (
    -- the genre columns each artist's rows carry now (one row per artist, whatever the table's size)
    select artist_key, genre_family, primary_genre, has_genre
    from {{ track_plays }}
    group by artist_key, genre_family, primary_genre, has_genre
),

regenred_artists as (
    select distinct o.artist_key
    from old_genres as o
    left join {{ ref('dim_artist') }} as a on a.artist_key = o.artist_key
    where a.artist_key is null
       or a.genre_family is distinct from o.genre_family
       or a.primary_genre is distinct from o.primary_genre
       or a.has_genre is distinct from o.has_genre
)

select distinct old.user_name, old.local_date
from {{ track_plays }} as old
inner join regenred_artists as r on r.artist_key = old.artist_key
{%- endif %}
