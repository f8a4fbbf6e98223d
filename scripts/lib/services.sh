# Start-if-needed helpers for the services tests depend on (PostgreSQL, Redis,
# RabbitMQ). Source, don't run; nothing happens until a function is called.
# Each one installs nothing: when a program is missing it names the Debian
# package that provides it and returns non-zero.
#
#   source scripts/lib/services.sh
#   ensure_postgres && ensure_redis && ensure_rabbitmq

# _services_fail MESSAGE: prints an error and returns 1 (callers decide
# whether to exit; `set -e` scripts stop here).
_services_fail() {
    printf 'error: %s\n' "$*" >&2
    return 1
}

# _services_need COMMAND PACKAGE: succeeds when COMMAND is on PATH.
_services_need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    _services_fail "$1 not found: install the Debian package '$2' (apt-get install $2)"
}

# _services_wait SECONDS CHECK...: runs CHECK once a second until it succeeds
# or SECONDS have passed.
_services_wait() {
    local deadline=$((SECONDS + $1))
    shift
    while ((SECONDS < deadline)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    "$@" >/dev/null 2>&1
}

_postgres_ready() {
    pg_isready -q -h 127.0.0.1 -p 5432
}

# ensure_postgres: PostgreSQL answering on 127.0.0.1:5432, started through
# the Debian cluster tools when it is not.
ensure_postgres() {
    _services_need pg_isready postgresql-client || return 1
    _postgres_ready && return 0
    _services_need pg_ctlcluster postgresql-common || return 1
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    [ -n "$version" ] ||
        _services_fail "no PostgreSQL cluster under /etc/postgresql: install the Debian package 'postgresql'" ||
        return 1
    printf '==> starting PostgreSQL %s\n' "$version" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
        _services_fail "pg_ctlcluster could not start PostgreSQL $version (see /var/log/postgresql/)" ||
        return 1
    _services_wait 30 _postgres_ready ||
        _services_fail "PostgreSQL $version started but does not answer on 127.0.0.1:5432 after 30 s (see /var/log/postgresql/)"
}

_redis_ready() {
    [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]
}

# ensure_redis: Redis answering PING on 127.0.0.1:6379, started as a
# throw-away daemon (no persistence) when it is not.
ensure_redis() {
    _services_need redis-cli redis-tools || return 1
    _redis_ready && return 0
    _services_need redis-server redis-server || return 1
    printf '==> starting Redis\n' >&2
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log ||
        _services_fail "redis-server could not start (see /var/log/redis/ci.log)" ||
        return 1
    _services_wait 30 _redis_ready ||
        _services_fail "Redis started but does not answer PING on 127.0.0.1:6379 after 30 s (see /var/log/redis/ci.log)"
}

_rabbitmq_ready() {
    if command -v rabbitmq-diagnostics >/dev/null 2>&1 && rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
        return 0
    fi
    # The AMQP port accepting connections is enough for the client tests.
    (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null
}

# ensure_rabbitmq: RabbitMQ answering on 127.0.0.1:5672, started detached
# when it is not.
ensure_rabbitmq() {
    _rabbitmq_ready && return 0
    _services_need rabbitmq-server rabbitmq-server || return 1
    printf '==> starting RabbitMQ\n' >&2
    rabbitmq-server -detached ||
        _services_fail "rabbitmq-server could not start (see /var/log/rabbitmq/)" ||
        return 1
    _services_wait 60 _rabbitmq_ready ||
        _services_fail "RabbitMQ started but does not answer on 127.0.0.1:5672 after 60 s (see /var/log/rabbitmq/)"
}
