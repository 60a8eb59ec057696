from detour.cli import main

main()
