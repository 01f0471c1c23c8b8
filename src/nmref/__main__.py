from nmref.launcher import main

main()
