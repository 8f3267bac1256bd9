#!/usr/bin/env bash
# Runs "$@" with LICENSEFLOW_TEST_POSTGRES_URL pointing at a throwaway
# PostgreSQL server, then stops the server and deletes its files.
#
#   bash .ci/with-postgres.sh go test -race ./...
#
# - If LICENSEFLOW_TEST_POSTGRES_URL is already set, the command runs as is.
# - The server binaries come from /usr/lib/postgresql/*/bin (Debian's
#   postgresql package); when missing and run as root, the package is
#   installed with apt-get.
# - The server runs as an unprivileged user (initdb refuses root): the
#   invoking user, or when root the "postgres" user (created by Debian's
#   package) or else a system user "licenseflow-pg".
# - It listens on 127.0.0.1 only, on a free port, trusts loopback and its own
#   unix socket, and trades durability for speed (fsync=off and friends):
#   never point it at data you want to keep.
# - The command's exit status is this script's exit status.
set -euo pipefail

log() { printf 'with-postgres: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ "$#" -gt 0 ] || die "usage: $0 COMMAND [ARG...]"

if [ -n "${LICENSEFLOW_TEST_POSTGRES_URL:-}" ]; then
	exec "$@"
fi

find_bindir() {
	local d best=""
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ] || continue
		if [ -z "$best" ] || [ "$(basename "$(dirname "$d")")" -gt "$(basename "$(dirname "$best")")" ]; then
			best=$d
		fi
	done
	printf '%s' "$best"
}

bindir=$(find_bindir)
if [ -z "$bindir" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin and not root: install them (apt-get install postgresql) or set LICENSEFLOW_TEST_POSTGRES_URL to a server's admin URL"
	fi
	log "installing PostgreSQL (apt-get install postgresql)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends postgresql >&2
	bindir=$(find_bindir)
	[ -n "$bindir" ] || die "apt-get installed postgresql but no server binaries appeared under /usr/lib/postgresql/*/bin"
fi

# The user the server runs as, and how to run a command as that user.
if [ "$(id -u)" -eq 0 ]; then
	if id -u postgres >/dev/null 2>&1; then
		pguser=postgres
	else
		pguser=licenseflow-pg
		if ! id -u "$pguser" >/dev/null 2>&1; then
			useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$pguser" ||
				die "could not create system user $pguser"
		fi
	fi
	if command -v runuser >/dev/null 2>&1; then
		as_pg() { runuser -u "$pguser" -- "$@"; }
	elif command -v setpriv >/dev/null 2>&1; then
		as_pg() { setpriv --reuid="$pguser" --regid="$(id -g "$pguser")" --init-groups -- "$@"; }
	else
		die "need runuser or setpriv (util-linux) to run the server as $pguser"
	fi
	# The server user must reach the directory: /tmp, not a root-only TMPDIR.
	base=/tmp
else
	pguser=$(id -un)
	as_pg() { "$@"; }
	base=${TMPDIR:-/tmp}
fi

origdir=$PWD
tmp=$(mktemp -d "$base/licenseflow-pg.XXXXXX")
pgdata=$tmp/data
sockdir=$tmp/sock
logfile=$tmp/postgres.log
started=""

cleanup() {
	if [ -n "$started" ]; then
		(cd "$tmp" && as_pg "$bindir/pg_ctl" -D "$pgdata" -m immediate -w -t 60 stop >/dev/null 2>&1) ||
			log "warning: stopping the server failed; see $logfile"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$sockdir"
chmod 0700 "$tmp"
[ "$(id -u)" -ne 0 ] || chown -R "$pguser:" "$tmp"

# Every as_pg command runs from $tmp: the invoking directory may be closed to
# the server user.
cd "$tmp"
as_pg "$bindir/initdb" -D "$pgdata" -U "$pguser" -E UTF8 --locale=C \
	--auth-local=trust --auth-host=trust --no-sync --no-instructions >"$tmp/initdb.log" 2>&1 ||
	{ cat "$tmp/initdb.log" >&2; die "initdb failed"; }

# initdb's pg_hba.conf trusts only the unix socket and loopback (127.0.0.1,
# ::1); the server listens on 127.0.0.1 only.
cat >>"$pgdata/postgresql.conf" <<EOF

# Throwaway test server (.ci/with-postgres.sh): speed over durability.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
unix_socket_permissions = 0700
max_connections = 400
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 1GB
checkpoint_timeout = 30min
autovacuum = off
dynamic_shared_memory_type = mmap
max_parallel_workers_per_gather = 0
jit = off
log_min_messages = warning
logging_collector = off
EOF

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port=""
for _ in $(seq 1 20); do
	candidate=$((20000 + RANDOM % 30000))
	port_free "$candidate" || continue
	started=yes
	# pg_ctl -w returns once the server accepts connections, or fails when it
	# exits (e.g. it lost a race for the port); pg_isready confirms over TCP.
	if as_pg "$bindir/pg_ctl" -D "$pgdata" -l "$logfile" -o "-p $candidate" -w -t 180 start >/dev/null; then
		for _ in $(seq 1 120); do
			if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$candidate" -U "$pguser" -d postgres -t 2; then
				port=$candidate
				break
			fi
			sleep 0.5
		done
	fi
	[ -z "$port" ] || break
	log "server did not come up on port $candidate; retrying"
	tail -n 5 "$logfile" >&2 2>/dev/null || true
	as_pg "$bindir/pg_ctl" -D "$pgdata" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
	started=""
done
[ -n "$port" ] || { cat "$logfile" >&2 2>/dev/null || true; die "could not start PostgreSQL"; }

export LICENSEFLOW_TEST_POSTGRES_URL="postgres://$pguser@127.0.0.1:$port/postgres?sslmode=disable"
log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') ready at $LICENSEFLOW_TEST_POSTGRES_URL"

cd "$origdir"
# The command runs in the background so that a TERM or INT reaching this
# script is passed on at once (bash defers traps while a foreground command
# runs) and the cleanup still follows; its stdin stays the script's.
set +e
"$@" <&0 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -INT "$child" 2>/dev/null' INT
while :; do
	wait "$child"
	rc=$?
	# A trapped signal interrupts wait while the command still runs.
	kill -0 "$child" 2>/dev/null || break
done
exit "$rc"
