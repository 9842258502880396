"""Test support code shared by several test packages (the stub OpenAI upstream)."""
