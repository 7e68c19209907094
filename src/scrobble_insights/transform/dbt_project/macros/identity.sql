{#- One artist per artist (issue 11): names folded so that spellings of one name meet. See
    int_artist_names_resolved for how folded names, last.fm's corrections and MBIDs make an artist. -#}

{#- A name folded for comparison, never for display: Unicode dashes (U+2010-U+2015, minus) to '-',
    curly and modifier apostrophes (U+2018/U+2019/U+02BC, prime, acute, backtick) to "'", curly double
    quotes to '"', odd spaces (no-break, thin, tab) to ' ', then accents and diacritics dropped, lower
    case, runs of spaces made one and the ends trimmed. 'Sigur Rós' and 'SIGUR ROS' both fold to
    'sigur ros'; 'Don’t Stop' and "Don't stop" to "don't stop". -#}
{% macro fold_name(name) -%}{{ return(adapter.dispatch('fold_name')(name)) }}{%- endmacro %}

{#- translate() maps these characters one to one (the two strings have the same length); a quote in a
    string literal is '' on DuckDB and \' on BigQuery. -#}
{% macro fold_name_translate(name) -%}
    {%- set to = '-' * 7 ~ "'" * 8 ~ '"' * 5 ~ ' ' * 4 -%}   {#- dashes, apostrophes, double quotes, spaces -#}
    {%- set quote = "\\'" if target.type == 'bigquery' else "''" -%}
    translate({{ name }}, '‐‑‒–—―−‘’‚‛′ʼ´`“”„‟″    ', '{{ to | replace("'", quote) }}')
{%- endmacro %}

{% macro default__fold_name(name) -%}
    trim(regexp_replace(lower(strip_accents({{ fold_name_translate(name) }})), '\s+', ' ', 'g'))
{%- endmacro %}

{#- BigQuery has no strip_accents: decompose (NFD), drop the combining marks (\p{M}) and compose again (NFC),
    as strip_accents does: NFD splits a Hangul syllable into letters that are not marks, so without NFC
    '밤하늘' would fold to other bytes (and another artist key) than on DuckDB. -#}
{% macro bigquery__fold_name(name) -%}
    trim(regexp_replace(lower(normalize(regexp_replace(normalize({{ fold_name_translate(name) }}, NFD), r'\p{M}', ''), NFC)), r'\s+', ' '))
{%- endmacro %}

{#- A track of an artist: the artist (its key) and the folded title, so 'Don’t Stop' and "Don't stop"
    by two spellings of one artist are one track. -#}
{% macro track_key(artist_key, track_name) -%}
    {{ surrogate_key([artist_key, fold_name(track_name)]) }}
{%- endmacro %}

{#- An album of an artist: the artist, the folded title, and whether the scrobble had no album at all
    (those share one '(no album)' row per artist, kept apart from an album really called that). -#}
{% macro album_key(artist_key, album_name) -%}
    {{ surrogate_key([artist_key, fold_name("coalesce(" ~ album_name ~ ", '(no album)')"), "(" ~ album_name ~ ") is null"]) }}
{%- endmacro %}
