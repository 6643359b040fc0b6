from matcalc_cli.start import main

main()
