#!/usr/bin/env bash
# Starts a private PostgreSQL 15 cluster for development and tests, creating
# it on first use, and prints a connection URL for the database named $1
# (default ce_dev), which it creates when missing.
#
# The cluster lives in .pgdata/ at the repository root and listens on
# 127.0.0.1:${CE_PG_PORT:-54329} only, with trust authentication for the
# postgres user. As root, the server runs as the postgres user, because
# PostgreSQL refuses to run as root.
#
# The cluster is for development, tests and benchmarks, not for data that
# must survive a crash: fsync is off. New WAL files are not filled with
# zeros (wal_init_zero=off), and a checkpoint keeps up to 1 GB of old WAL
# files for reuse (min_wal_size). With the defaults, a burst of writes
# right after a test run waited about 100 ms each time PostgreSQL created
# and filled a new WAL file (wait event WALInitWrite).
#
# Usage: db/localpg.sh [DBNAME]    start and print the URL
#        db/localpg.sh --stop      stop the cluster
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
port="${CE_PG_PORT:-54329}"
dbname="${1:-ce_dev}"
data="$root/.pgdata"

find_bindir() {
	local dir
	for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		if [ -x "$dir/initdb" ]; then
			echo "$dir"
			return
		fi
	done
	if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
		pg_config --bindir
	fi
}

bindir="$(find_bindir)"
if [ -z "$bindir" ]; then
	if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
		echo "localpg: PostgreSQL server binaries not found; installing postgresql-15 with apt-get" >&2
		apt-get update -q >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 >&2
		bindir="$(find_bindir)"
	fi
fi
if [ -z "$bindir" ]; then
	echo "localpg: PostgreSQL server binaries not found: install postgresql-15, or set DATABASE_URL" >&2
	exit 1
fi

# as_pg runs a command as the user that owns the cluster.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

if [ "${1:-}" = "--stop" ]; then
	if [ -f "$data/cluster/PG_VERSION" ]; then
		as_pg "$bindir/pg_ctl" -D "$data/cluster" -m fast stop >&2 || true
	fi
	exit 0
fi

if [ ! -f "$data/cluster/PG_VERSION" ]; then
	mkdir -p "$data"
	if [ "$(id -u)" = 0 ]; then
		# The postgres user must be able to reach the cluster folder. When a
		# parent folder is closed to it, keep the cluster under /tmp and
		# link it from .pgdata.
		if ! runuser -u postgres -- test -x "$data"; then
			tmp="$(mktemp -d /tmp/ce-pgdata.XXXXXX)"
			chmod 755 "$tmp"
			rmdir "$data" 2>/dev/null || true
			ln -sfn "$tmp" "$data"
		fi
		chown postgres:postgres "$data/"
	fi
	echo "localpg: creating cluster in $data/cluster" >&2
	as_pg "$bindir/initdb" -D "$data/cluster" -U postgres --auth=trust --encoding=UTF8 --no-locale >&2
fi

# A running cluster keeps the port it started on. The fourth line of
# postmaster.pid contains that port.
if as_pg "$bindir/pg_ctl" -D "$data/cluster" status >/dev/null 2>&1; then
	running_port="$(sed -n 4p "$data/cluster/postmaster.pid")"
	if [ "$running_port" != "$port" ]; then
		echo "localpg: the cluster in $data runs on port $running_port, not CE_PG_PORT=$port: set CE_PG_PORT=$running_port, or stop it with CE_PG_PORT=$running_port $0 --stop" >&2
		exit 1
	fi
fi

if ! as_pg "$bindir/pg_ctl" -D "$data/cluster" status >/dev/null 2>&1; then
	echo "localpg: starting PostgreSQL on 127.0.0.1:$port" >&2
	as_pg "$bindir/pg_ctl" -D "$data/cluster" -l "$data/cluster/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$data/cluster' -c max_connections=200 -c fsync=off -c wal_init_zero=off -c min_wal_size=1GB" \
		start >&2
fi

if [ "$dbname" != "postgres" ]; then
	exists="$("$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = '$dbname'")"
	if [ "$exists" != 1 ]; then
		"$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$dbname"
	fi
fi

echo "postgres://postgres@127.0.0.1:$port/$dbname?sslmode=disable"
