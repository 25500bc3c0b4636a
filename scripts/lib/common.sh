# shellcheck shell=bash
# Shared by scripts/test, scripts/demo and scripts/bench: install missing Debian packages, build.

FLEET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FLEET_BUILD=${FLEET_BUILD:-$FLEET_ROOT/build}

# Everything a build, the tests, the demo and the benchmark need, by Debian 12 package name.
FLEET_PACKAGES=(g++ make cmake pkg-config apache2 apache2-dev libssl-dev libmemcached-dev
                libcppunit-dev memcached python3 curl wrk valgrind openssl ca-certificates chromium
                libc-ares-dev dnsmasq-base
                clang-format clang-tidy dpkg-dev)

# Only the benchmark needs these: the peers it compares mod_fleet with.
FLEET_BENCH_PACKAGES=(haproxy nginx)

# Only scripts/fuzz needs these: clang, and libFuzzer with the sanitizer runtimes (-fsanitize=fuzzer).
FLEET_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

fleet_missing_packages() {
  local p missing=()
  for p in "${FLEET_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]}"
}

fleet_install_packages() {  # [extra package...]
  local missing
  missing=$(fleet_missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: $missing" >&2
    echo "run as root, or: sudo apt-get install -y $missing" >&2
    return 1
  fi
  echo "== installing: $missing"
  # Keep dpkg from starting the packaged apache2/memcached services: we run our own.
  local created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local rc=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } || rc=$?
  [ $created = 1 ] && rm -f /usr/sbin/policy-rc.d
  return $rc
}

fleet_build() {
  local werror=OFF
  [ -n "${CI:-}" ] && werror=ON
  echo "== building in $FLEET_BUILD"
  cmake -S "$FLEET_ROOT" -B "$FLEET_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLEET_WERROR=$werror >/dev/null
  cmake --build "$FLEET_BUILD" -j"$(nproc)"
}

# The same build with -fsanitize=address,undefined (or $FLEET_SANITIZE) beside the normal one, in
# ${FLEET_BUILD}-sanitize (build-sanitize/), for scripts/test --sanitize; sets FLEET_BUILD to it.
fleet_build_sanitize() {
  local werror=OFF
  [ -n "${CI:-}" ] && werror=ON
  FLEET_BUILD=${FLEET_BUILD}-sanitize
  echo "== building with -fsanitize=${FLEET_SANITIZE:-address,undefined} in $FLEET_BUILD"
  cmake -S "$FLEET_ROOT" -B "$FLEET_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLEET_WERROR=$werror \
    -DFLEET_SANITIZE="${FLEET_SANITIZE:-address,undefined}" >/dev/null
  cmake --build "$FLEET_BUILD" -j"$(nproc)"
}

# Runs Debian's apache2 with "$@" in place of the calling shell (start it with &). When
# $FLEET_BUILD's module was built with sanitizers, their runtime is preloaded (Debian's apache2 is
# not built with them) and reports go to $FLEET_ARTIFACTS/sanitizer/ when that is set (the demo's
# integration test; scripts/test --sanitize fails on any file there), else to stderr.
fleet_httpd() {
  local preload
  preload=$(ldd "$FLEET_BUILD/mod_fleet.so" 2>/dev/null |
            awk '$1 ~ /^lib(a|ub)san\.so/ { print $3 }' | sort | tr '\n' ' ')
  if [ -n "$preload" ]; then
    local asan=stderr ubsan=stderr
    if [ -n "${FLEET_ARTIFACTS:-}" ]; then
      mkdir -p "$FLEET_ARTIFACTS/sanitizer"
      chmod 1777 "$FLEET_ARTIFACTS/sanitizer"  # httpd's children write as www-data
      asan=$FLEET_ARTIFACTS/sanitizer/demo-httpd-asan ubsan=$FLEET_ARTIFACTS/sanitizer/demo-httpd-ubsan
    fi
    # detect_leaks=0: httpd exits without freeing its pools; UBSan reports and goes on.
    export LD_PRELOAD=$preload
    export ASAN_OPTIONS="log_path=$asan:detect_leaks=0:detect_stack_use_after_return=1"
    export UBSAN_OPTIONS="log_path=$ubsan:print_stacktrace=1:halt_on_error=0"
  fi
  exec /usr/sbin/apache2 "$@"
}
