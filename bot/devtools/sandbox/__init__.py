"""The sandbox: the real bot against the local emulator, a chat page, and a demo committee."""
