from nmref.cli import main

main()
