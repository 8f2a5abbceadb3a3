"""The `maxhack` command line: run, migrate, webhook, emulator.

Exit codes: 0 success, 1 runtime failure, 2 invalid configuration or usage.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import trio

from maxhack.config import ConfigError, Settings, load_settings
from maxhack.logs import configure_logging

EXIT_CONFIG = 2


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["emulator"]:
        # The emulator has its own options (and --help); hand it everything after its name.
        from maxhack.max.emulator.cli import main as emulator_main

        return emulator_main(arguments[1:])
    parser = _parser()
    args = parser.parse_args(arguments)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"maxhack: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.LOG_LEVEL)
    if args.command == "run":
        return _run(settings)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "webhook":
        from maxhack.runtime.webhook_command import run_webhook_command

        return trio.run(lambda: run_webhook_command(settings, args.action, delete_all=args.all))
    parser.print_help(sys.stderr)
    return EXIT_CONFIG


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maxhack", description="Backend of «MAX Уведомления» (bot + WebApp API)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the whole process (bot, reminders, HTTP API)")
    commands.add_parser("migrate", help="apply pending database migrations and exit")
    webhook = commands.add_parser("webhook", help="manage the MAX webhook subscription")
    webhook.add_argument("action", choices=["set", "delete", "show"])
    webhook.add_argument("--all", action="store_true", help="with delete: every subscription")
    emulator = commands.add_parser(
        "emulator", help="run the MAX Bot API emulator (see `maxhack emulator --help`)"
    )
    emulator.add_argument("emulator_args", nargs=argparse.REMAINDER)
    return parser


def _run(settings: Settings) -> int:
    from maxhack.runtime.process import run_process

    return trio.run(run_process, settings)


def _migrate(settings: Settings) -> int:
    from maxhack.runtime.migrate_command import migrate_once

    try:
        applied = trio.run(migrate_once, settings)
    except Exception as exc:
        logging.getLogger("maxhack").error(
            "migration failed", extra={"action": "migrate_failed", "error": str(exc)}
        )
        return 1
    print(
        f"maxhack: {len(applied)} migration(s) applied: {applied}"
        if applied
        else "maxhack: database is up to date"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
