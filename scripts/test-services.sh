# Sourced by `make test`, `make bench` and `make stress`: starts what the tests need on this machine.
# - PostgreSQL 15 (installed, not running): start the cluster, create a test role and database,
#   export SURVEY_TEST_DATABASE_URL. Without PostgreSQL the PostgreSQL tests skip with a reason.
# - Chromium for the browser tests: installed from Debian's packages when missing (needs root).
# - nginx for the HTTPS deployment test (tests/deploy): installed from Debian's packages when missing.
# Loopback only.

_svc_log() { echo "[test-services] $*" >&2; }

if command -v pg_ctlcluster >/dev/null 2>&1 && [ -z "${SURVEY_TEST_DATABASE_URL:-}" ]; then
  pg_ver=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1}')
  pg_name=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $2}')
  pg_port=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $3}')
  if [ -n "$pg_ver" ]; then
    if ! pg_lsclusters -h | awk 'NR==1{print $4}' | grep -q online; then
      pg_ctlcluster "$pg_ver" "$pg_name" start >/dev/null 2>&1 || _svc_log "could not start PostgreSQL $pg_ver/$pg_name"
    fi
    if pg_lsclusters -h | awk 'NR==1{print $4}' | grep -q online; then
      _pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "psql -v ON_ERROR_STOP=1 -qAt -p $pg_port -c \"$1\""; else psql -qAt -p "$pg_port" -c "$1"; fi; }
      _pg "SELECT 1 FROM pg_roles WHERE rolname='survey'" | grep -q 1 || \
        _pg "CREATE ROLE survey LOGIN PASSWORD 'survey' CREATEDB" >/dev/null
      _pg "SELECT 1 FROM pg_database WHERE datname='survey_test'" | grep -q 1 || \
        _pg "CREATE DATABASE survey_test OWNER survey" >/dev/null
      export SURVEY_TEST_DATABASE_URL="postgresql+psycopg://survey:survey@127.0.0.1:${pg_port}/survey_test"
      _svc_log "PostgreSQL $pg_ver on 127.0.0.1:$pg_port, SURVEY_TEST_DATABASE_URL set"
    fi
  fi
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    _svc_log "installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || _svc_log "chromium could not be installed; browser tests will skip"
  else
    _svc_log "chromium missing and not root: browser tests will skip"
  fi
fi

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    _svc_log "installing Debian's nginx for the HTTPS deployment test"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) \
      || _svc_log "nginx could not be installed; the HTTPS deployment test will skip"
    # the package may start its own default site: the tests run their own nginx on other ports
    if command -v service >/dev/null 2>&1; then service nginx stop >/dev/null 2>&1 || true; fi
  else
    _svc_log "nginx missing and not root: the HTTPS deployment test will skip"
  fi
fi

export KIVY_NO_ARGS=1 KIVY_NO_CONSOLELOG=1 KIVY_LOG_MODE=PYTHON
