"""What production never imports: the Bot API emulator, the Zalo emulator and the sandbox. Imported
only by the command line (`chibo sandbox`), the tests and the benchmarks."""
