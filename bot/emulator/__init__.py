"""A local Telegram Bot API emulator for end-to-end tests, the browser sandbox and benchmarks."""
