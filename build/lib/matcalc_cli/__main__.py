from matcalc_cli.cli import main

main()
