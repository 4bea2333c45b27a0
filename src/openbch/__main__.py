from openbch.cli import main

main()
