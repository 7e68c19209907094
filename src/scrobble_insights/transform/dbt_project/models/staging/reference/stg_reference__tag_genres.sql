-- Each distinct raw tag with its canonical genre (null for junk: "seen live", decades, places...).
select
    tag_name,
    tag_key,
    genre,
    vocabulary_version
from {{ source('reference', 'tag_genres') }}
