"""Sending one message over one channel: SMTP email, WeCom and DingTalk group robots, signed webhook.

Each sender either returns (delivered) or raises DeliveryError; `permanent=True` when trying again
cannot help (a robot's webhook key revoked, an address the server refuses outright), so the worker
marks the message failed at once instead of retrying it for hours.
"""

import hashlib
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from functools import lru_cache
from typing import Any

import httpx
import orjson

from app.core.settings import Settings
from app.notify.signing import (
    IDEMPOTENCY_HEADER,
    WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_TIMESTAMP_HEADER,
    dingtalk_sign,
    webhook_signature,
)


class DeliveryError(Exception):
    """A delivery did not happen; `permanent` when a retry cannot succeed."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    """A message as the worker hands it to a channel (destination joined in)."""

    key: str
    event: str
    kind: str
    target: str
    secret: str | None
    lang: str
    subject: str
    body: str
    link: str | None
    unsubscribe_url: str | None = None


def message_id(key: str) -> str:
    """The same Message-ID for every attempt of one message, so a mail client shows a repeat once."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@planmap>"


def _text(message: Outgoing) -> str:
    lines = [message.body]
    if message.link:
        lines += ["", ("查看:" if message.lang == "zh" else "Open: ") + message.link]
    if message.unsubscribe_url:
        lines += ["", ("退订:" if message.lang == "zh" else "Unsubscribe: ") + message.unsubscribe_url]
    return "\n".join(lines)


def send_email(message: Outgoing, settings: Settings) -> None:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = message.target
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(message.key)
    mail["X-Planmap-Idempotency-Key"] = message.key
    if message.unsubscribe_url:
        # RFC 2369 + RFC 8058: mail clients offer a one-click unsubscribe that POSTs to the link.
        mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(_text(message))
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.notify_timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise DeliveryError(f"recipient refused: {codes}", permanent=all(500 <= c < 600 for c in codes)) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP login refused ({exc.smtp_code})") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}") from None


def _markdown(message: Outgoing) -> str:
    text = f"### {message.subject}\n\n{message.body}"
    if message.link:
        text += f"\n\n[{'查看' if message.lang == 'zh' else 'Open'}]({message.link})"
    return text


@lru_cache(maxsize=1)
def _client() -> httpx.Client:
    """One client per worker process: a new one per message built an SSL context and a connection each
    time, 75 ms a message (13/s); reused, keep-alive connections to the same robot or webhook host."""
    return httpx.Client(follow_redirects=False)


def _post(url: str, body: bytes, headers: dict[str, str], settings: Settings) -> httpx.Response:
    try:
        response = _client().post(
            url,
            content=body,
            headers={"Content-Type": "application/json", **headers},
            timeout=settings.notify_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryError(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise DeliveryError(f"HTTP {response.status_code}", permanent=response.status_code in (401, 403, 404, 410))
    return response


def _robot_result(response: httpx.Response) -> None:
    """WeCom and DingTalk answer 200 with {"errcode": 0} on success and a non-zero code otherwise."""
    try:
        answer: Any = response.json()
    except ValueError:
        raise DeliveryError("robot answered without JSON") from None
    code = answer.get("errcode") if isinstance(answer, dict) else None
    if code != 0:
        # 45009 (WeCom) / 130101 (DingTalk): too many messages this minute, worth retrying later.
        raise DeliveryError(f"robot errcode {code}: {answer.get('errmsg') if isinstance(answer, dict) else ''}")


def send_wecom(message: Outgoing, settings: Settings) -> None:
    """WeCom group robot: POST {"msgtype": "markdown", "markdown": {"content": …}} to its webhook URL."""
    body = orjson.dumps({"msgtype": "markdown", "markdown": {"content": _markdown(message)}})
    _robot_result(_post(message.target, body, {IDEMPOTENCY_HEADER: message.key}, settings))


def send_dingtalk(message: Outgoing, settings: Settings) -> None:
    """DingTalk group robot: markdown message; with a secret, `timestamp` and `sign` are added to the URL."""
    body = orjson.dumps({"msgtype": "markdown", "markdown": {"title": message.subject, "text": _markdown(message)}})
    url = httpx.URL(message.target)
    if message.secret:
        stamp = int(time.time() * 1000)
        url = url.copy_merge_params({"timestamp": str(stamp), "sign": dingtalk_sign(message.secret, stamp)})
    _robot_result(_post(str(url), body, {IDEMPOTENCY_HEADER: message.key}, settings))


def send_webhook(message: Outgoing, settings: Settings) -> None:
    """A generic JSON webhook, signed (see app.notify.signing) so the receiver knows it came from planmap."""
    body = orjson.dumps(
        {
            "id": message.key,
            "event": message.event,
            "lang": message.lang,
            "subject": message.subject,
            "body": message.body,
            "link": message.link,
        }
    )
    stamp = int(time.time())
    headers = {
        IDEMPOTENCY_HEADER: message.key,
        WEBHOOK_TIMESTAMP_HEADER: str(stamp),
        WEBHOOK_SIGNATURE_HEADER: webhook_signature(message.secret or "", stamp, body),
    }
    _post(message.target, body, headers, settings)


SENDERS = {"email": send_email, "wecom": send_wecom, "dingtalk": send_dingtalk, "webhook": send_webhook}


def send(message: Outgoing, settings: Settings) -> None:
    """Deliver `message` over its destination's channel, or raise DeliveryError."""
    SENDERS[message.kind](message, settings)
