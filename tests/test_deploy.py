"""``manage.py check --deploy`` is silent with the production environment the README documents (HTTPS
behind a proxy), and that environment turns on what it says."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DJANGO_ALLOWED_HOSTS": "homeslot.example.cn",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://homeslot.example.cn",
    "HOMESLOT_HTTPS": "1",
    "HOMESLOT_FIELD_KEYS": "tD3LC1PBCYvdpiJNAt4CeXpsBTcX3QpuvuL3Sbli3lE=",
}


def run(args: list[str], env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HOMESLOT_"))}
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, "HOMESLOT_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        cwd=REPO,
    )


@pytest.mark.parametrize("key", ["set", "made in var/"])
def test_check_deploy_is_silent_in_production(tmp_path, key):
    env = {**PRODUCTION}
    if key == "set":
        env["DJANGO_SECRET_KEY"] = "q3Vn8-7kLx2pWm9RtY4sZb6cD1fGhJ0aNeUoIiKlMvXwEr5TyQz_4h"

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "System check identified no issues (0 silenced).\n"


def test_without_https_check_deploy_names_what_is_missing(tmp_path):
    env = {**PRODUCTION, "HOMESLOT_HTTPS": "0"}

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)

    assert result.returncode == 1
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_https_turns_on_the_secure_settings(tmp_path):
    names = [
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
        "DEBUG",
    ]
    code = "import django; django.setup(); from django.conf import settings as s; " + "; ".join(
        f"print(repr(s.{n}))" for n in names
    )
    env = {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings", "HOMESLOT_HSTS_SECONDS": "3600"}

    result = run(["-c", code], env, tmp_path)

    assert result.stdout.splitlines() == [
        "True",
        "True",
        "True",
        "3600",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
        "False",
    ]


def test_production_refuses_to_start_without_field_keys(tmp_path):
    """No key made on one server's disk in production: the sealed numbers' key is the deployment's."""
    env = {k: v for k, v in PRODUCTION.items() if k != "HOMESLOT_FIELD_KEYS"}

    result = run(["manage.py", "check"], env, tmp_path)

    assert result.returncode == 1
    assert "Set HOMESLOT_FIELD_KEYS" in result.stderr
    assert not (tmp_path / "field_keys").exists()


def test_a_bad_field_key_is_refused_and_dev_makes_one_kept_in_var(tmp_path):
    bad = run(["manage.py", "check"], {"HOMESLOT_FIELD_KEYS": "not-a-key"}, tmp_path)
    assert bad.returncode == 1 and "key 1 is not a Fernet key" in bad.stderr

    made = run(["manage.py", "check"], {}, tmp_path)

    assert made.returncode == 0
    kept = tmp_path / "field_keys"
    assert kept.stat().st_mode & 0o777 == 0o600 and len(kept.read_text().strip()) == 44
