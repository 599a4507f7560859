#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the examples and the tests need.
# Swift itself is expected on PATH (https://www.swift.org/install/linux/).
set -euo pipefail
packages=(
  libpcap-dev   # dm-capture (system library target CPcap)
  liblz4-dev    # LZ4 stream compression (CLZ4)
  libzstd-dev   # ClickHouse's ZSTD-compressed blocks (CZstd)
  clickhouse-server clickhouse-client  # tests: a real ClickHouse (18.16) the sink writes into
  zlib1g-dev    # gzip-compressed captures (CZlib)
  libcurl4-openssl-dev  # dm-filter: domain lists over http(s) (CCurlFetch)
  libssl-dev    # TLS to ClickHouse (CTLSClient); openssl: the tests' certificates
  openssl
  tshark        # tests: the independent oracle for capture and DNS parsing
  gzip
  xz-utils      # tests: an xz-compressed capture gets a hint instead of garbage
  lz4           # tests: streams compressed by the lz4 tool are read
  python3       # examples/python and their tests
  bsdutils      # tests: script(1) gives a stage a terminal to refuse
  rsyslog       # tests: a real syslog server receives dm-out's messages
  dnsjit        # bench/parse.sh: the parse loop dm-parse is compared with
  prometheus    # tests: a real Prometheus scrapes dnsmonster's metrics endpoint; promtool checks the exposition
  golang-go                     # tests: builds the miekg/dns oracle (Tests/oracle/miekg_json)
  golang-github-miekg-dns-dev   # tests: miekg/dns 1.1.50, the library dnsmonster decodes with
  fstrm-bin                     # tests, bench: fstrm_replay writes dnstap files into dm-capture's socket
  golang-github-dnstap-golang-dnstap-cli  # tests: the dnstap tool, an independent decoder and Go writer
  protobuf-compiler             # scripts/generate-dnstap.sh (only when Protos/dnstap.proto changes)
  bind9 bind9-utils bind9-dnsutils  # tests: BIND logs dnstap into dm-capture; dig sends the queries
  unbound                       # tests: Unbound (in a namespace of its own) logs dnstap into dm-capture
  knot-resolver knot knot-module-dnstap  # tests: Knot Resolver and knotd (in a namespace) log dnstap into dm-capture
  dnsperf                       # tests: query load for the resolvers
  iproute2                      # tests: the network namespace the resolvers run in
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# dnspython (PyPI): the tests' independent DNS decoder, for whichever python3 is on PATH.
python3 -c 'import dns.name' 2>/dev/null || python3 -m pip install -q dnspython
# clickhouse-driver (PyPI, with its lz4 and clickhouse-cityhash): an independent ClickHouse
# client whose compressed blocks the tests read and whose reader checks ours.
python3 -c 'import clickhouse_driver.compression.lz4, clickhouse_driver.compression.zstd, clickhouse_cityhash.cityhash' 2>/dev/null \
  || python3 -m pip install -q clickhouse-driver lz4 zstd clickhouse-cityhash
# chDB (PyPI, embedded current ClickHouse): the tests check the modern schema and the sink's
# Native blocks (DateTime64, IPv6, LowCardinality) on it; Debian's 18.16 has none of those.
python3 -c 'import chdb' 2>/dev/null || python3 -m pip install -q chdb
command -v swift >/dev/null || { echo "install-deps: swift is not on PATH; install the Swift toolchain first" >&2; exit 1; }
