from crm.entrypoints.cli import main

main()
