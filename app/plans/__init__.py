"""Plans and their periods: membership, baselines and revisions, closing a plan and carrying work over."""
