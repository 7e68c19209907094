-- The (user_key, year, month) local months whose plays per genre this build recomputes
-- (int_genre_plays_monthly, by replace_where's __genre_share_months_changed__) and whose periods
-- mart_genre_share recomputes (int_genre_share_periods_changed labels them): each user's tail of months
-- (from the month of the local day before their first changed UTC day), whether it has plays now or had
-- them in the mart, and every month holding an artist whose genres differ from those the last build
-- applied (int_artist_genres_applied; every month when there is no such record yet). Every month when
-- the mart is built whole (no table yet, or --full-refresh).
-- Built before mart_genre_share and int_genre_plays_monthly (which depend on it), from the mart as the
-- previous build left it: the model finds it with adapter.get_relation, not ref(), as
-- int_track_plays_regenred_days finds mart_track_plays.
-- depends_on: {{ ref('int_user_days_changed') }}
-- depends_on: {{ ref('fact_artist_plays_monthly') }}
-- depends_on: {{ ref('bridge_artist_genre') }}
-- depends_on: {{ ref('dim_genre') }}
{%- set genre_share = adapter.get_relation(database=this.database, identifier='mart_genre_share',
                                           schema=generate_schema_name('marts', none) | trim) %}
{%- set applied = adapter.get_relation(database=this.database, identifier='int_artist_genres_applied',
                                       schema=generate_schema_name('intermediate', none) | trim) %}
{%- set whole = genre_share is none or flags.FULL_REFRESH %}
with
{%- if whole %}
months as (
    -- every month: the mart is built whole
    select user_key, year, month from {{ ref('fact_artist_plays_monthly') }}
)
{%- else %}
tails as (
    {{ local_day_tails(ref('int_user_days_changed')) }}
),

{%- if applied is not none %}
genres_now as (
    {{ artist_genres_applied() }}
),

regenred_artists as (
    -- artists with a genre row added, changed or gone since the last build (one row per artist)
    select distinct artist_key from (
        select artist_key from (
            select artist_key, genre, genre_family, is_primary, share from genres_now
            {{ dbt.except() }}
            select artist_key, genre, genre_family, is_primary, share from {{ applied }}
        ) as added
        union all
        select artist_key from (
            select artist_key, genre, genre_family, is_primary, share from {{ applied }}
            {{ dbt.except() }}
            select artist_key, genre, genre_family, is_primary, share from genres_now
        ) as gone
    ) as artists
),
{%- endif %}

months as (
    -- the tail's months with plays now
    select m.user_key, m.year, m.month
    from {{ ref('fact_artist_plays_monthly') }} as m
    inner join tails as t on t.user_name = m.user_name
    where m.year * 100 + m.month >= extract(year from t.from_day) * 100 + extract(month from t.from_day)
    union all
    -- the tail's months the mart held (all their plays may be gone)
    select o.user_key, o.year, o.month
    from (
        select distinct user_key, user_name,
               cast(substr(period, 1, 4) as {{ dbt.type_int() }}) as year,
               cast(substr(period, 6, 2) as {{ dbt.type_int() }}) as month
        from {{ genre_share }}
        where period_grain = 'month'
    ) as o
    inner join tails as t on t.user_name = o.user_name
    where o.year * 100 + o.month >= extract(year from t.from_day) * 100 + extract(month from t.from_day)
    union all
    -- the months holding an artist whose genres changed
    select m.user_key, m.year, m.month
    from {{ ref('fact_artist_plays_monthly') }} as m
    {%- if applied is not none %}
    inner join regenred_artists as r on r.artist_key = m.artist_key
    {%- endif %}
)
{%- endif %}

select distinct user_key, year, month from months
