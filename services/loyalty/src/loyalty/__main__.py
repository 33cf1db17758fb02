from loyalty.entrypoints.cli import main

main()
