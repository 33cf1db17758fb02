from clients.entrypoints.cli import main

main()
