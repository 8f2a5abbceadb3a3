"""``maxhack emulator``: run the MAX emulator as a standalone server.

    maxhack emulator --host 127.0.0.1 --port 8081 --token secret --rate-limit 30

Runs until SIGINT (Ctrl+C) or SIGTERM, then stops gracefully with exit code 0. Point the
bot's MAX base URL at the logged address; drive users through the ``/_emulator`` control API.
"""

from __future__ import annotations

import argparse
import logging
import signal
from collections.abc import Sequence

import trio

from .config import DEFAULT_TOKEN, EmulatorConfig
from .emulator import Emulator

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maxhack emulator", description="Fake MAX Bot API server")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port to bind, 0 = any free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="bot token the server accepts")
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        metavar="RPS",
        help="global requests per second before 429 (default: unlimited)",
    )
    parser.add_argument(
        "--attachment-not-ready-first",
        action="store_true",
        help="first send of each fresh upload token fails with attachment.not.ready",
    )
    parser.add_argument(
        "--forbid-extension",
        action="append",
        default=[],
        metavar="EXT",
        help="upload extension answered with 'File extension is forbidden' (repeatable)",
    )
    return parser


def config_from_args(argv: Sequence[str]) -> EmulatorConfig:
    args = build_parser().parse_args(list(argv))
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        token=args.token,
        rate_limit_per_s=args.rate_limit,
        attachment_not_ready_first=args.attachment_not_ready_first,
        forbidden_extensions=frozenset(args.forbid_extension),
    )


async def run(config: EmulatorConfig) -> None:
    """Serve until SIGINT/SIGTERM (then shut down gracefully) or cancellation."""
    emulator = Emulator(config)
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            url = await nursery.start(emulator.serve)
            logger.info(
                "MAX emulator ready at %s", url, extra={"action": "emulator_ready", "url": url}
            )
            async for signum in signals:
                logger.info("stopping on signal %s", signum, extra={"action": "emulator_stop"})
                emulator.stop()
                break


def main(argv: Sequence[str]) -> int:
    """Parse ``argv`` (without the program name) and serve; returns the exit code."""
    trio.run(run, config_from_args(argv))
    return 0
