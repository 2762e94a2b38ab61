"""Notifications: the durable outbox, its channels (email, WeCom, DingTalk, signed webhook) and the worker."""
