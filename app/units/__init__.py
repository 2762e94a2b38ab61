"""Responsible units: towns and departments, which projects they lead or share, and who belongs to them."""
