# A throw-away PostgreSQL server for the ledger tests (sourced by .ci/run).
# initdb refuses to run as root, so the server runs as the `postgres` user, listening only
# on a unix socket in a temporary directory.
PG_DIR=""

_pg_bin() {
    local name=$1 candidate
    for candidate in "$(command -v "$name" 2>/dev/null)" /usr/lib/postgresql/*/bin/"$name"; do
        [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
    return 1
}

start_postgres() {
    if ! _pg_bin initdb >/dev/null; then
        echo "installing PostgreSQL server from Debian packages"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    local initdb pg_ctl
    initdb=$(_pg_bin initdb); pg_ctl=$(_pg_bin pg_ctl)
    PG_DIR=$(mktemp -d /tmp/allocations-pg.XXXXXX)
    chown postgres "$PG_DIR"
    runuser -u postgres -- "$initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null
    runuser -u postgres -- "$pg_ctl" -D "$PG_DIR/data" -w -o "-k $PG_DIR -c listen_addresses=''" -l "$PG_DIR/log" start >/dev/null
    export ALLOCATIONS_TEST_POSTGRES_URL="postgresql://postgres@/postgres?host=$PG_DIR"
    echo "PostgreSQL ready at $ALLOCATIONS_TEST_POSTGRES_URL"
}

stop_postgres() {
    [ -n "$PG_DIR" ] || return 0
    runuser -u postgres -- "$(_pg_bin pg_ctl)" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
