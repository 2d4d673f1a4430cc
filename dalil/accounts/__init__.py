"""Staff accounts: sign-in with a password then a second factor, lockout, idle timeout, staff management."""
