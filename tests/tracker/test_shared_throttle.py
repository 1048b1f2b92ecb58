"""API throttling is counted once per caller across every gunicorn worker, not once per worker."""

import pytest

from tests.liveserver import LiveDatabase, LiveServer, manage, request, server_environment

pytestmark = pytest.mark.live

RATE = 6


def test_the_anonymous_rate_holds_across_three_workers(tmp_path):
    database = LiveDatabase(tmp_path)
    env = server_environment(
        database.url,
        LIVE_LOG_DIR=str(tmp_path),
        CACHE_DIR=str(tmp_path / "cache"),
        API_ANON_THROTTLE_RATE=f"{RATE}/hour",
    )
    server = None
    try:
        manage(env, "migrate", "--noinput")
        server = LiveServer(env, workers=3).start()
        statuses = [request(f"{server.base_url}/api/bodies/").status for _ in range(RATE * 3)]
    finally:
        if server:
            server.stop()
        database.drop()
    # Per-worker counting let up to three times the rate through.
    assert statuses[:RATE] == [200] * RATE
    assert set(statuses[RATE:]) == {429}
