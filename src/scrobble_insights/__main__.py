from scrobble_insights.cli import main

main()
