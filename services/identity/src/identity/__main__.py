from identity.entrypoints.cli import main

main()
