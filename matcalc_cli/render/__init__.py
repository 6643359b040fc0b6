"""One printer per output format, each walking the same tree (see printer.Printer)."""
