from ranks.entrypoints.cli import main

main()
