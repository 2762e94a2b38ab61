"""Lighthouse accessibility and best-practices scores of the pages issue 18 names, zh and en, phone and desktop.

Usage (a server already running, e.g. `make run`; Debian's Chromium; npm reaches the registry once):

    .venv/bin/python scripts/dev/lighthouse.py --url http://127.0.0.1:8000 [--user planner --password-stdin]

Lighthouse (npm `lighthouse`, installed on first use into var/lighthouse/, gitignored) runs headless against
`/`, a town, a project, `/near`, `/dashboard`, `/login` and, with an account, `/moderation` (the session
cookie sent as a header), each in Chinese and English, with its mobile and desktop presets. Prints one row a
run and writes every report's JSON to var/lighthouse/reports/. Not a test: scores move with the machine's load
(performance is not scored here for that reason); the numbers go in the closing note of the issue.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
HOME = REPO / "var" / "lighthouse"
LIGHTHOUSE = HOME / "node_modules" / ".bin" / "lighthouse"
VERSION = "13.5.0"
CHROME = "/usr/bin/chromium"
CATEGORIES = ("accessibility", "best-practices")


def ensure_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    HOME.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--prefix", str(HOME), "--no-audit", "--no-fund", f"lighthouse@{VERSION}"],
                   check=True)  # fmt: skip


def pages(client: httpx.Client, with_staff: bool) -> list[str]:
    town = client.get("/api/towns").json()["features"][0]["properties"]["slug"]
    project = client.get("/api/projects", params={"limit": 1}).json()["features"][0]["properties"]["slug"]
    paths = ["/", f"/towns/{town}", f"/projects/{project}", "/near", "/dashboard", "/login"]
    return [*paths, "/moderation"] if with_staff else paths


def session_cookie(client: httpx.Client, user: str, password: str) -> str:
    answer = client.post("/api/auth/token", data={"username": user, "password": password})
    answer.raise_for_status()
    return f"planmap_session={answer.json()['access_token']}"


def run(url: str, form: str, cookie: str | None) -> dict[str, float]:
    out = HOME / "reports" / (url.split("://", 1)[1].replace("/", "_").replace("?", "_") + f"-{form}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
               f"--only-categories={','.join(CATEGORIES)}", "--chrome-flags=--headless=new --no-sandbox"]  # fmt: skip
    if form == "desktop":
        command.append("--preset=desktop")
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROME}, timeout=300)
    report = json.loads(out.read_text())
    return {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", help="a planner or admin, to score /moderation")
    parser.add_argument("--password-stdin", action="store_true")
    parser.add_argument("--only", nargs="+", default=[], metavar="PATH", help="score only these pages (e.g. /near)")
    args = parser.parse_args()
    ensure_lighthouse()
    client = httpx.Client(base_url=args.url, timeout=30)
    cookie = session_cookie(client, args.user, sys.stdin.readline().strip()) if args.user else None
    print("| page | lang | form | accessibility | best practices |\n|---|---|---|--:|--:|")
    lowest = 100
    for path in [p for p in pages(client, cookie is not None) if not args.only or p in args.only]:
        for lang in ("zh", "en"):
            target = f"{args.url}{path}" + ("?lang=en" if lang == "en" else "")
            for form in ("mobile", "desktop"):
                scores = run(target, form, cookie if path == "/moderation" else None)
                lowest = min(lowest, *scores.values())
                print(f"| {path} | {lang} | {form} | {scores['accessibility']} | {scores['best-practices']} |",
                      flush=True)  # fmt: skip
    print(f"\nlowest score: {lowest}")
    return 0 if lowest >= 95 else 1


if __name__ == "__main__":
    sys.exit(main())
