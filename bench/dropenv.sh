# Sourced by the shell benchmarks (startup.sh, cfssl-serve.sh); the TypeScript ones use benchEnv
# in bench/common.ts, which explains why: Node 20 builds its root-certificate store at every
# start when NODE_EXTRA_CA_CERTS is set (nodejs/node#40524; 40-50 ms on this project's
# machines), and no timed command needs it. BENCH_KEEP_ENV=1 keeps it.
# Sets EXTRA_CA (the value dropped, empty when none was) and EXTRA_CA_NOTE (a line to print).
EXTRA_CA=${NODE_EXTRA_CA_CERTS:-}
if [ -z "$EXTRA_CA" ]; then EXTRA_CA_NOTE="NODE_EXTRA_CA_CERTS not set"
elif [ "${BENCH_KEEP_ENV:-}" = 1 ]; then EXTRA_CA_NOTE="NODE_EXTRA_CA_CERTS=$EXTRA_CA kept (BENCH_KEEP_ENV=1)"; EXTRA_CA=
else EXTRA_CA_NOTE="NODE_EXTRA_CA_CERTS=$EXTRA_CA dropped (BENCH_KEEP_ENV=1 keeps it)"; unset NODE_EXTRA_CA_CERTS; fi
