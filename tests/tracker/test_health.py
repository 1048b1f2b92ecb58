"""The public health check (``/healthz``)."""


def test_healthz_needs_no_login_and_reveals_nothing(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405
