"""Homeslot settings: everything from the environment, with embedded defaults.

Unset ``DATABASE_URL`` → SQLite (WAL, immediate transactions) in ``var/``.
Unset ``REDIS_URL`` → in-memory channel layer and local-memory cache.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.enum_names import ENUM_NAME_OVERRIDES
from config.kept_keys import field_keys_from, secret_key_from
from core.addresses import parse_trusted_proxies

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HOMESLOT_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


# --- Safe defaults: DEBUG off, a real secret key ----------------------------------------------
# DEBUG is for a developer who asks for Django's pages (DJANGO_DEBUG=1); off, everywhere else (make run
# included): no URL list on a 404, no settings on a 500, our own pages in her language instead.
DEBUG = env_bool("DJANGO_DEBUG", False)


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secret_key_from(VAR_DIR)

# --- Production over HTTPS (behind a proxy) ------------------------------------------------------
# HOMESLOT_HTTPS=1 says the site is reached over HTTPS only, through a proxy that ends TLS and sets
# X-Forwarded-Proto (overwriting whatever a client sent): HTTP is redirected, cookies are secure, HSTS
# tells browsers to come back over HTTPS. `manage.py check --deploy` is then silent (tests/test_deploy.py).
HOMESLOT_HTTPS = env_bool("HOMESLOT_HTTPS", False)
if HOMESLOT_HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("HOMESLOT_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HOMESLOT_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HOMESLOT_HSTS_PRELOAD", True)
    _proxy_header = os.environ.get("HOMESLOT_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
    if _proxy_header:  # empty: TLS ends in the server itself, no proxy to trust
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")


# --- Keys of sealed fields (core.sealing: a mother's full account number) ---------------------------
# HOMESLOT_FIELD_KEYS: comma-separated Fernet keys; the first seals, all open (rotation: README, "Payout
# accounts"). Unset, a key is made once in var/field_keys (mode 0600), as the secret key is; in
# production (HOMESLOT_HTTPS=1) the platform refuses to start without it, so that the key lives in the
# deployment's secrets and never only on one server's disk.
HOMESLOT_FIELD_KEYS = field_keys_from(os.environ.get("HOMESLOT_FIELD_KEYS"), var_dir=VAR_DIR, production=HOMESLOT_HTTPS)

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
CSRF_FAILURE_VIEW = "frontend.views.csrf_failure"

INSTALLED_APPS = [
    "daphne",
    "accounts.admin_site.AdminConfig",  # django.contrib.admin, on a site with the sign-in limits
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "workers",
    "tasks",
    "ledger",
    "realtime",
    "frontend",
    "background",
    "fairwork",
    "notices",
    "skills",
    "standards",
    "integrations",
    "config",  # last: the top layer's wiring (config/apps.py) and the commands that span apps
]

MIDDLEWARE = [
    # Outermost: under /api/ even Django's own error pages (debug pages too) are answered as JSON.
    "config.api.JSONErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves static files under daphne too (no CDN: phones in China may not reach one).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A database that cannot answer for a moment: one more try, or a 503 in her language.
    "config.middleware.DatabaseHiccups",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.content_security.ContentSecurityPolicyMiddleware",
]

# --- Content-Security-Policy (django-csp 4) ---------------------------------------------------------
# Every page loads only what comes from us: no inline script or style, no eval, no other host (phones
# in China may not reach a CDN anyway). img-src blob: lets her phone shrink a photo before sending it;
# the socket of this host is added per request (config/content_security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite, however it is named (the embedded default or ``DATABASE_URL=sqlite:///…``), always
# gets the same options: writers take the lock at BEGIN (so two claims never both read "open"
# and then race to write), WAL lets readers carry on, and a writer waits instead of failing.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "homeslot.sqlite3")),
    }
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request runs on a fresh thread; a pool keeps the connection count
    # bounded (CONN_MAX_AGE > 0 would open one per thread). No CONN_HEALTH_CHECKS: the pool's
    # check costs a round trip per request and, after a PostgreSQL restart, backs off a second,
    # two, four… per dead connection until requests time out. Instead the first query on a dead
    # connection fails, and config.middleware.DatabaseHiccups drops every dead one at once and
    # runs the request again (core/dbfaults.py).
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DB_POOL_MAX", "20")),
        "timeout": 10,
    }
    _db["TEST"] = {"NAME": os.environ.get("DATABASE_TEST_NAME", "test_homeslot")}
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {**SQLITE_OPTIONS, **_db.get("OPTIONS", {})}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ---------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    # After a Redis restart the pooled connections are dead: retry on a fresh one instead
    # of failing the first command of every consumer.
    _redis_resilience = {
        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=3),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
        "health_check_interval": 15,
        # Above channels_redis's 5 s blocking pop: an idle socket's receive must not time out.
        "socket_timeout": 30,
        "socket_connect_timeout": 5,
        # A thousand sockets closing at once each discard their groups.
        "max_connections": 2000,
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, **_redis_resilience}],
                "prefix": os.environ.get("HOMESLOT_REDIS_PREFIX", "homeslot"),
                # Members that vanished without a discard drop out after this; live sockets
                # re-join their groups with every heartbeat.
                "group_expiry": 600,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("HOMESLOT_REDIS_PREFIX", "homeslot"),
            # A Redis that does not answer must fail fast: sign-in then refuses at once (503), not after
            # the operating system's connect timeout.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Realtime: limits on sockets --------------------------------------------
# At most this many open /ws/ sockets per user, across server processes (kept in Redis when
# configured, else in-process): the next one is told so and closed with 4429 (realtime/socket_cap.py).
HOMESLOT_SOCKETS_PER_USER = int(os.environ.get("HOMESLOT_SOCKETS_PER_USER", "10"))
HOMESLOT_REDIS_PREFIX = os.environ.get("HOMESLOT_REDIS_PREFIX", "homeslot")

# --- Background tasks (django-tasks) ---------------------------------------
# The database backend by default (a `db_worker` process runs the jobs); with Redis the same
# jobs can run on RQ workers (`rqworker`): HOMESLOT_TASKS_BACKEND=rq makes that the default.
# Periodic jobs are enqueued by one `scheduler` process (background/periodic.py lists them).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
HOMESLOT_TASKS_BACKEND = os.environ.get("HOMESLOT_TASKS_BACKEND", "database")
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 900}}
    TASKS["rq"] = {"BACKEND": "django_tasks_rq.RQBackend"}
if HOMESLOT_TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("HOMESLOT_TASKS_BACKEND=rq needs REDIS_URL (RQ keeps its queue in Redis).")
    TASKS["default"] = TASKS["rq"]
elif HOMESLOT_TASKS_BACKEND != "database":
    raise ImproperlyConfigured("HOMESLOT_TASKS_BACKEND must be 'database' or 'rq'.")
# Seconds between heartbeats ({"type": "heartbeat", "latest": id}) on every socket.
HOMESLOT_HEARTBEAT_SECONDS = float(os.environ.get("HOMESLOT_HEARTBEAT_SECONDS", "25"))
# Fair work (fairwork/): part-time limits per mother and company, reminders' quiet hours default.
HOMESLOT_HOURS_PER_DAY = int(os.environ.get("HOMESLOT_HOURS_PER_DAY", "4"))
HOMESLOT_HOURS_PER_WEEK = int(os.environ.get("HOMESLOT_HOURS_PER_WEEK", "24"))
# Tasks a mother may work on at the same time (fairwork.schedule): her live claims must fit their
# slots with this many at once. The PostgreSQL claim function takes it at `migrate`, like the hours.
HOMESLOT_PARALLEL_CLAIMS = int(os.environ.get("HOMESLOT_PARALLEL_CLAIMS", "1"))
if HOMESLOT_PARALLEL_CLAIMS < 1:
    raise ImproperlyConfigured("HOMESLOT_PARALLEL_CLAIMS must be 1 or more.")
# Answers kept for retried requests with an Idempotency-Key (accounts.idempotency), then pruned.
HOMESLOT_IDEMPOTENCY_RETENTION_HOURS = int(os.environ.get("HOMESLOT_IDEMPOTENCY_RETENTION_HOURS", "48"))
# core.locks checks the project's lock order in every transaction (a programming error raises).
HOMESLOT_LOCK_ORDER_CHECK = env_bool("HOMESLOT_LOCK_ORDER_CHECK", DEBUG)
# Text messages (accounts.sms, README "SMS"): console (the log, number masked; the default), file, memory,
# aliyun or tencent. A provider's own variables (HOMESLOT_SMS_ALIYUN_*, _TENCENT_*, _SIGN_NAME, _TEMPLATES)
# are read from the environment when it first sends, unless set here.
HOMESLOT_SMS_BACKEND = os.environ.get("HOMESLOT_SMS_BACKEND", "console")
HOMESLOT_SMS_FILE_PATH = Path(os.environ.get("HOMESLOT_SMS_FILE_PATH", VAR_DIR / "sms"))
HOMESLOT_SMS_CODE_MINUTES = int(os.environ.get("HOMESLOT_SMS_CODE_MINUTES", "5"))
# Codes leave after the request has answered (accounts.sms.send_later); the tests send them at once.
HOMESLOT_SMS_IN_BACKGROUND = True
# Notifications (notices/): Web Push signed with these VAPID keys (all three set, or push is off);
# SMS for what must not be missed, at most this many per person per local day; a claim about to
# expire goes by SMS when she has not opened the app since she claimed it or for this many hours.
HOMESLOT_VAPID_PUBLIC_KEY = os.environ.get("HOMESLOT_VAPID_PUBLIC_KEY", "")
HOMESLOT_VAPID_PRIVATE_KEY = os.environ.get("HOMESLOT_VAPID_PRIVATE_KEY", "")
HOMESLOT_VAPID_SUBJECT = os.environ.get("HOMESLOT_VAPID_SUBJECT", "")
HOMESLOT_SMS_DAILY_CAP = int(os.environ.get("HOMESLOT_SMS_DAILY_CAP", "3"))
HOMESLOT_SMS_UNSEEN_HOURS = int(os.environ.get("HOMESLOT_SMS_UNSEEN_HOURS", "2"))
# Push endpoints must be https; only a test's push service on this machine may be plain http.
HOMESLOT_PUSH_ALLOW_HTTP = False
# The push services a browser's subscription may point at (host suffixes): Chrome/Android, Firefox,
# Edge/Windows, Safari. An endpoint elsewhere is refused: the worker would POST to it.
_PUSH_SERVICES = "fcm.googleapis.com,push.services.mozilla.com,notify.windows.com,push.apple.com"
HOMESLOT_PUSH_SERVICES = tuple(
    h.strip().lower() for h in os.environ.get("HOMESLOT_PUSH_SERVICES", _PUSH_SERVICES).split(",")
)
HOMESLOT_WEBHOOKS_ALLOW_LOOPBACK = env_bool("HOMESLOT_WEBHOOKS_ALLOW_LOOPBACK", False)  # integrations/targets.py
# Realtime outbox rows older than this are pruned (a client with an older gap resyncs).
HOMESLOT_OUTBOX_RETENTION_HOURS = int(os.environ.get("HOMESLOT_OUTBOX_RETENTION_HOURS", "48"))
# An adjustment larger than this (in fen, either sign) waits for a second finance user.
HOMESLOT_ADJUSTMENT_APPROVAL_FEN = int(os.environ.get("HOMESLOT_ADJUSTMENT_APPROVAL_FEN", "50000"))

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Her worker profile comes with her (config/auth.py); Django's own stays for sessions it signed in.
AUTHENTICATION_BACKENDS = ["config.auth.ModelBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/signin/"
# An API token lapses this many days after its last use (each use moves it on, at most hourly).
HOMESLOT_TOKEN_DAYS = int(os.environ.get("HOMESLOT_TOKEN_DAYS", "90"))
# Proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated): the
# address every sign-in limit counts is the first hop, from the right, that is not one of them.
HOMESLOT_TRUSTED_PROXIES = parse_trusted_proxies(os.environ.get("HOMESLOT_TRUSTED_PROXIES", ""))

# --- I18n -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # no collectstatic step needed to run
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("HOMESLOT_MEDIA_ROOT", VAR_DIR / "media"))
# Handed-in photos: outside MEDIA_ROOT, served only by a view that checks who asks (tasks/photos.py).
HOMESLOT_PRIVATE_ROOT = Path(os.environ.get("HOMESLOT_PRIVATE_ROOT", VAR_DIR / "private"))

# --- API ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [  # config/auth.py: her worker profile comes with her
        "config.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON through core/json_input.py: a body nested absurdly deep is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "sign_in_phone": os.environ.get("HOMESLOT_SIGN_IN_RATE_PHONE", "5/min"),
        "sign_in_address": os.environ.get("HOMESLOT_SIGN_IN_RATE_ADDRESS", "20/min"),
        # SMS codes (accounts/codes.py): per number, whatever the purpose, and per client address.
        "sms_code_phone_minute": os.environ.get("HOMESLOT_SMS_RATE_PHONE_MINUTE", "1/min"),
        "sms_code_phone_day": os.environ.get("HOMESLOT_SMS_RATE_PHONE_DAY", "10/day"),
        "sms_code_address": os.environ.get("HOMESLOT_SMS_RATE_ADDRESS", "30/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Homeslot API",
    "DESCRIPTION": "妈妈岗任务分发平台 · Task distribution for home-based work (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": ENUM_NAME_OVERRIDES,
}

# Largest labelling file accepted by the split endpoint.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
HOMESLOT_SPLIT_MAX_TASKS = int(os.environ.get("HOMESLOT_SPLIT_MAX_TASKS", "5000"))
# A labelling file larger than this is split by a background job (202 + a job to poll).
HOMESLOT_SPLIT_SYNC_BYTES = int(os.environ.get("HOMESLOT_SPLIT_SYNC_BYTES", str(512 * 1024)))
HOMESLOT_SPLIT_JOB_MAX_TASKS = int(os.environ.get("HOMESLOT_SPLIT_JOB_MAX_TASKS", "20000"))
# A project's results with more rows than this are built into a file in the background, not streamed.
HOMESLOT_RESULTS_EXPORT_INLINE_MAX = int(os.environ.get("HOMESLOT_RESULTS_EXPORT_INLINE_MAX", "20000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The background worker's per-job lines are dropped (background.logs): one line per job that did something.
    "filters": {"quiet_jobs": {"()": "background.logs.QuietJobs"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["quiet_jobs"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("HOMESLOT_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
