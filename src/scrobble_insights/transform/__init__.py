"""TRANSFORM: the dbt project (staging -> intermediate -> marts) and the Python that runs it."""
