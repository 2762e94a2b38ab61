"""Public feedback on projects: submitted by anyone, rate-limited, shown only after moderation."""
