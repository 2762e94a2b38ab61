"""Slowing down password guessing without letting anyone lock the owner out (issue 15, item 7).

The old rule locked a *username* for 15 minutes after 10 failures from anywhere, and an *address*
after 30: anybody could lock the admin out by typing wrong passwords at their username, and one
noisy machine behind an office's NAT locked out everyone behind it. Now failures are counted per
key with exponential backoff (`app.auth.ratelimit.Backoff`), and the keys are chosen so that the
person who owns an account is not the one who pays for someone else's guesses:

1. *(username, client address)* — the main brake, `login_failures_per_user` free failures, then
   waits of 5 s, 10 s, 20 s … up to `login_window_seconds`. It only slows the one client
   guessing at one account; the owner elsewhere is unaffected. A success clears it.
2. *client address* — against one password tried on many usernames: `login_failures_per_client`
   free failures, then the same backoff.
3. *username, from everywhere* — against guessing from many addresses: a very high ceiling
   (`login_failures_per_account` free failures) that then only *slows*, by at most a minute per
   attempt, so it never locks the owner out, even from a new machine.

Rules 2 and 3 do not apply to an address the account has logged in from successfully in the last
30 days (a "known client"): the admin at the office keeps logging in while someone else behind the
same NAT, or a botnet, is guessing. The guesser gains nothing from it, since knowing a client the
account used does not skip rule 1, which still holds guesses at that account from that address
to about a hundred a day. What remains: a guesser behind the *same* address, at the *same*
account, does slow its owner there; nothing can tell those two apart.

Failures are counted before the password is checked and taken back on success, so parallel
guesses cannot all get in before the first failure is recorded (see `app.auth.ratelimit`).
Unknown usernames are counted exactly like real ones, so a 429 says nothing about who exists.
"""

from dataclasses import dataclass

from sqlalchemy import Connection

from app.auth import ratelimit
from app.auth.ratelimit import Backoff, Limited
from app.core.settings import Settings

BASE_SECONDS = 5.0  # the first wait after the free failures; doubles with each failure after it
ACCOUNT_CAP_SECONDS = 60.0  # the ceiling from everywhere only slows: never more than this per attempt
FORGET_SECONDS = 86400.0  # failures are forgotten after a day without one
KNOWN_CLIENT_DAYS = 30.0


@dataclass(frozen=True)
class LoginKeys:
    pair: str
    client: str
    account: str
    known: str


def normalise(username: str) -> str:
    """As `check_credentials` compares usernames, so " Admin" and "admin" are one account here too."""
    return username.strip().lower()[:200]


def _keys(conn: Connection, username: str, client: str) -> LoginKeys:
    salt = ratelimit.salt(conn)
    user = normalise(username)
    return LoginKeys(
        pair=ratelimit.make_key(salt, "login-pair", user, client),
        client=ratelimit.make_key(salt, "login-client", client),
        account=ratelimit.make_key(salt, "login-account", user),
        known=ratelimit.make_key(salt, "login-known", user, client),
    )


def _policies(conn: Connection, keys: LoginKeys, settings: Settings) -> dict[str, Backoff]:
    cap = float(settings.login_window_seconds)
    policies = {keys.pair: Backoff(settings.login_failures_per_user, BASE_SECONDS, cap, FORGET_SECONDS)}
    if not ratelimit.remembered(conn, keys.known):
        policies[keys.client] = Backoff(settings.login_failures_per_client, BASE_SECONDS, cap, FORGET_SECONDS)
        policies[keys.account] = Backoff(
            settings.login_failures_per_account, 1.0, min(cap, ACCOUNT_CAP_SECONDS), FORGET_SECONDS
        )
    return policies


def reserve(conn: Connection, username: str, client: str, settings: Settings) -> None:
    """Count this login attempt as a failure in advance; `Limited` (nothing counted) when it must wait.

    Commit right after: the counters stay locked until then.
    """
    wait = ratelimit.reserve(conn, _policies(conn, _keys(conn, username, client), settings))
    if wait > 0:
        raise Limited("too many failed logins", wait)


def settle(conn: Connection, username: str, client: str, ok: bool, settings: Settings) -> None:
    """After the password check: a success takes back what `reserve` counted and marks the client known."""
    if not ok:
        return  # already counted by reserve
    keys = _keys(conn, username, client)
    policies = _policies(conn, keys, settings)
    ratelimit.take_back(conn, [key for key in policies if key != keys.pair])
    ratelimit.clear(conn, keys.pair)
    ratelimit.remember(conn, keys.known, KNOWN_CLIENT_DAYS)
